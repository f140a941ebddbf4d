package dev.wasmgrid.llm;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Turns a stream of token bytes into text pieces, holding back the start of a UTF-8 character until
 * its last byte arrives: byte-fallback tokens split one character over several tokens.
 */
final class Utf8Stream {
  private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

  /** Appends {@code bytes} and returns the text now complete (possibly empty). */
  String push(byte[] bytes) {
    pending.write(bytes, 0, bytes.length);
    byte[] all = pending.toByteArray();
    int complete = completePrefix(all);
    pending.reset();
    pending.write(all, complete, all.length - complete);
    return new String(all, 0, complete, StandardCharsets.UTF_8);
  }

  /** Whatever is held back, decoded as is (malformed bytes become U+FFFD). */
  String flush() {
    String rest = pending.toString(StandardCharsets.UTF_8);
    pending.reset();
    return rest;
  }

  /** Length of the longest prefix that does not end inside a character. */
  private static int completePrefix(byte[] b) {
    int n = b.length;
    // Look back at most 3 bytes for a lead byte whose character is not finished.
    for (int back = 1; back <= Math.min(3, n); back++) {
      int v = b[n - back] & 0xff;
      if ((v & 0xc0) == 0x80) {
        continue;
      }
      int need = v >= 0xf0 ? 4 : v >= 0xe0 ? 3 : v >= 0xc0 ? 2 : 1;
      return need > back ? n - back : n;
    }
    return n;
  }
}
