package dev.wasmgrid.http;

import java.util.Locale;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations a server reports with an answer in the standard {@code Server-Timing} header ({@code
 * Server-Timing: kernel;dur=12.345}, milliseconds). A worker reports its {@link #KERNEL} time, so
 * the coordinator can tell a worker's compute speed from the speed of the link to it; the
 * coordinator reports a product's {@link #PRODUCT} time, from operands in memory to C in memory,
 * which is what a client compares with computing locally.
 */
public final class ServerTiming {

  /** The header carrying the durations. */
  public static final String HEADER = "Server-Timing";

  /** A worker's kernel, without the transfers. */
  public static final String KERNEL = "kernel";

  /** A whole product at the coordinator: split, transfers, kernels and gather. */
  public static final String PRODUCT = "product";

  private ServerTiming() {}

  /** The header value for {@code metric} lasting {@code nanos}. */
  public static String format(String metric, long nanos) {
    return String.format(Locale.ROOT, "%s;dur=%.3f", metric, nanos / 1e6);
  }

  /**
   * The duration of {@code metric} in a {@code Server-Timing} value, in nanoseconds, if it has one.
   */
  public static OptionalLong parse(String header, String metric) {
    Matcher m =
        Pattern.compile(
                "(?:^|,)\\s*"
                    + Pattern.quote(metric)
                    + "\\s*;(?:[^,]*;)?\\s*dur=([0-9]+(?:\\.[0-9]+)?)")
            .matcher(header);
    if (!m.find()) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(Math.round(Double.parseDouble(m.group(1)) * 1e6));
  }
}
