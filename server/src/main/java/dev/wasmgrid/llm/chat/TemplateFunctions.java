package dev.wasmgrid.llm.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.Locale;

/**
 * The globals that Hugging Face's {@code apply_chat_template} gives a chat template beside Jinja2's
 * own: {@code raise_exception(message)} and {@code strftime_now(format)}. Static, as Jinjava calls
 * functions; the clock is the renderer's ({@code JinjavaConfig}'s date-time provider and zone).
 */
final class TemplateFunctions {

  private TemplateFunctions() {}

  /** Thrown by {@code raise_exception}; the renderer finds it among Jinjava's errors. */
  static final class Raised extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Raised(String message) {
      super(message);
    }
  }

  /** Jinja's {@code raise_exception(message)}: the template refuses the conversation. */
  public static Object raiseException(Object message) {
    throw new Raised(String.valueOf(message));
  }

  /** Python's {@code datetime.now().strftime(format)} for the directives templates use. */
  public static String strftimeNow(String format) {
    JinjavaInterpreter interpreter = JinjavaInterpreter.getCurrent();
    ZonedDateTime now =
        Instant.ofEpochMilli(interpreter.getConfig().getDateTimeProvider().getCurrentTimeMillis())
            .atZone(interpreter.getConfig().getTimeZone());
    return strftime(now, format);
  }

  static String strftime(ZonedDateTime t, String format) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < format.length(); i++) {
      char c = format.charAt(i);
      if (c != '%' || i + 1 == format.length()) {
        out.append(c);
        continue;
      }
      char d = format.charAt(++i);
      switch (d) {
        case 'd' -> out.append(two(t.getDayOfMonth()));
        case 'm' -> out.append(two(t.getMonthValue()));
        case 'Y' -> out.append(t.getYear());
        case 'y' -> out.append(two(t.getYear() % 100));
        case 'H' -> out.append(two(t.getHour()));
        case 'M' -> out.append(two(t.getMinute()));
        case 'S' -> out.append(two(t.getSecond()));
        case 'b' -> out.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.US));
        case 'B' -> out.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.US));
        case 'a' -> out.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.US));
        case 'A' -> out.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.US));
        case 'j' -> out.append(String.format(Locale.ROOT, "%03d", t.getDayOfYear()));
        case '%' -> out.append('%');
        default ->
            throw new IllegalArgumentException(
                "strftime_now: directive %" + d + " is not supported");
      }
    }
    return out.toString();
  }

  private static String two(int v) {
    return v < 10 ? "0" + v : Integer.toString(v);
  }
}
