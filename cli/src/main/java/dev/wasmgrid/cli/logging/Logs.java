package dev.wasmgrid.cli.logging;

import org.slf4j.LoggerFactory;

/** Sets the levels and format of the process's logging, which {@link LineLogProvider} writes. */
public final class Logs {
  private Logs() {}

  /**
   * From now on, every logger logs at {@code levels}, in {@code format}.
   *
   * @throws IllegalStateException when SLF4J is bound to another provider, which these options
   *     would not reach
   */
  public static void configure(LogLevels levels, LogFormat format) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LineLoggerFactory factory)) {
      throw new IllegalStateException(
          "logging is bound to "
              + LoggerFactory.getILoggerFactory().getClass().getName()
              + ", not to the CLI's own; --log-level and --log-format cannot reach it");
    }
    factory.configure(levels, format);
  }
}
