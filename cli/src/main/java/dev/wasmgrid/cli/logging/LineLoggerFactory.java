package dev.wasmgrid.cli.logging;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.event.Level;

/**
 * Hands out {@link LineLogger}s and writes their lines to stderr, at the levels and in the format
 * last configured; a new configuration applies to the loggers already handed out too, since classes
 * keep theirs in static fields from the moment they load.
 */
final class LineLoggerFactory implements ILoggerFactory {
  private final Map<String, LineLogger> loggers = new HashMap<>();
  // java.util.logging forgets levels set on loggers nobody holds, so the configured ones are held.
  private final List<java.util.logging.Logger> julLoggers = new ArrayList<>();
  private LogLevels levels = LogLevels.DEFAULT;
  private volatile LogFormat format = LogFormat.TEXT;

  @Override
  public synchronized Logger getLogger(String name) {
    return loggers.computeIfAbsent(name, n -> new LineLogger(n, this, levels.of(n)));
  }

  /** From now on, loggers log at {@code levels}, in {@code format}. */
  synchronized void configure(LogLevels levels, LogFormat format) {
    this.levels = levels;
    this.format = format;
    loggers.forEach((name, logger) -> logger.setLevel(levels.of(name)));
    configureJul(levels);
  }

  /**
   * Helidon logs through java.util.logging, whose records reach SLF4J only when JUL itself lets
   * them through: its levels follow ours, so that {@code --log-level io.helidon=debug} shows them.
   */
  private void configureJul(LogLevels levels) {
    julLoggers.clear();
    java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
    root.setLevel(jul(levels.fallback()));
    julLoggers.add(root);
    levels
        .rules()
        .forEach(
            (name, level) -> {
              java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
              logger.setLevel(jul(level));
              julLoggers.add(logger);
            });
  }

  private static java.util.logging.Level jul(Level level) {
    return switch (level) {
      case ERROR -> java.util.logging.Level.SEVERE;
      case WARN -> java.util.logging.Level.WARNING;
      case INFO -> java.util.logging.Level.INFO;
      case DEBUG -> java.util.logging.Level.FINE;
      case TRACE -> java.util.logging.Level.FINEST;
    };
  }

  void write(LogFormat.Entry entry) {
    // One print per record: PrintStream holds its lock for the call, so lines never interleave.
    System.err.println(format.line(entry));
  }
}
