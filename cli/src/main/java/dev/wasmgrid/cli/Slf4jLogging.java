package dev.wasmgrid.cli;

import io.helidon.logging.common.spi.LoggingProvider;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * The CLI's logging set-up, which Helidon finds as its {@link LoggingProvider} (listed in
 * META-INF/services): Helidon logs through {@code java.util.logging}, and this sends those records
 * to SLF4J, so they come out in the CLI's own format and levels ({@code --log-level}, {@code
 * --log-format}).
 */
public final class Slf4jLogging implements LoggingProvider {

  /** For the service loader. */
  public Slf4jLogging() {}

  @Override
  public void initialization() {
    route();
  }

  @Override
  public void runTime() {
    // Nothing is configured at run time: route() did it all at start.
  }

  /** Sends {@code java.util.logging} to SLF4J, once, whoever asks first. */
  static synchronized void route() {
    if (!SLF4JBridgeHandler.isInstalled()) {
      SLF4JBridgeHandler.removeHandlersForRootLogger();
      SLF4JBridgeHandler.install();
    }
  }
}
