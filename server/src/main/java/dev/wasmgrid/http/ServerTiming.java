package dev.wasmgrid.worker;

import java.util.Locale;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How long a worker's kernel took for one product, sent back as the standard {@code Server-Timing}
 * header ({@code Server-Timing: kernel;dur=12.345}, milliseconds): the coordinator subtracts it
 * from the round trip to tell a worker's compute speed from the speed of the link to it.
 */
public final class KernelTime {

  /** The header carrying the time. */
  public static final String HEADER = "Server-Timing";

  private static final Pattern KERNEL =
      Pattern.compile("(?:^|,)\\s*kernel\\s*;(?:[^,]*;)?\\s*dur=([0-9]+(?:\\.[0-9]+)?)");

  private KernelTime() {}

  /** The header value for a kernel run of {@code nanos}. */
  public static String format(long nanos) {
    return String.format(Locale.ROOT, "kernel;dur=%.3f", nanos / 1e6);
  }

  /** The kernel time in a {@code Server-Timing} value, if it names one. */
  public static OptionalLong parse(String header) {
    Matcher m = KERNEL.matcher(header);
    if (!m.find()) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(Math.round(Double.parseDouble(m.group(1)) * 1e6));
  }
}
