package dev.wasmgrid.cli.logging;

import dev.wasmgrid.http.RequestIds;
import java.time.Instant;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/** A logger writing each record it lets through as one line, in its factory's format. */
final class LineLogger extends LegacyAbstractLogger {
  private static final long serialVersionUID = 1L;

  private final transient LineLoggerFactory factory;
  private volatile int threshold;

  LineLogger(String name, LineLoggerFactory factory, Level level) {
    this.name = name;
    this.factory = factory;
    this.threshold = level.toInt();
  }

  void setLevel(Level level) {
    threshold = level.toInt();
  }

  private boolean enabled(Level level) {
    return level.toInt() >= threshold;
  }

  @Override
  public boolean isTraceEnabled() {
    return enabled(Level.TRACE);
  }

  @Override
  public boolean isDebugEnabled() {
    return enabled(Level.DEBUG);
  }

  @Override
  public boolean isInfoEnabled() {
    return enabled(Level.INFO);
  }

  @Override
  public boolean isWarnEnabled() {
    return enabled(Level.WARN);
  }

  @Override
  public boolean isErrorEnabled() {
    return enabled(Level.ERROR);
  }

  @Override
  protected String getFullyQualifiedCallerName() {
    return null;
  }

  @Override
  protected void handleNormalizedLoggingCall(
      Level level, Marker marker, String pattern, Object[] arguments, Throwable error) {
    factory.write(
        new LogFormat.Entry(
            Instant.now(),
            level,
            name,
            MessageFormatter.basicArrayFormat(pattern, arguments),
            error,
            RequestIds.current()));
  }
}
