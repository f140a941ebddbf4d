package dev.wasmgrid.cli;

import java.util.Locale;

/**
 * Text as a terminal shows it rather than obeys it. A model's tokens can be any bytes: ESC starts
 * an escape sequence that moves the cursor, recolours or retitles the terminal, BEL rings it, CR
 * overwrites the line. Every control character but newline and tab becomes a visible {@code \xNN}.
 */
final class TerminalText {
  private TerminalText() {}

  /** {@code text} with its control characters, other than newline and tab, as {@code \xNN}. */
  static String visible(CharSequence text) {
    StringBuilder out = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean control = Character.getType(c) == Character.CONTROL && c != '\n' && c != '\t';
      if (control && out == null) {
        out = new StringBuilder(text.length() + 8).append(text, 0, i);
      }
      if (control) {
        out.append(String.format(Locale.ROOT, "\\x%02x", (int) c));
      } else if (out != null) {
        out.append(c);
      }
    }
    return out == null ? text.toString() : out.toString();
  }
}
