package dev.wasmgrid.cli.logging;

import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.helpers.BasicMDCAdapter;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The CLI's SLF4J binding (listed in META-INF/services): lines on stderr as text or JSON, at levels
 * set per logger by {@code --log-level}. See docs/architecture.md for why it is not slf4j-simple.
 */
public final class LineLogProvider implements SLF4JServiceProvider {
  private final LineLoggerFactory loggers = new LineLoggerFactory();
  private final IMarkerFactory markers = new BasicMarkerFactory();
  private final MDCAdapter mdc = new BasicMDCAdapter();

  /** For the service loader. */
  public LineLogProvider() {}

  @Override
  public ILoggerFactory getLoggerFactory() {
    return loggers;
  }

  @Override
  public IMarkerFactory getMarkerFactory() {
    return markers;
  }

  @Override
  public MDCAdapter getMDCAdapter() {
    return mdc;
  }

  @Override
  public String getRequestedApiVersion() {
    return "2.0.99";
  }

  @Override
  public void initialize() {
    // Everything is ready at construction; levels and format come later, from the command line.
  }
}
