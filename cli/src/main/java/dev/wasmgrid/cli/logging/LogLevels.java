package dev.wasmgrid.cli.logging;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.event.Level;

/**
 * The level of every logger: a default, and levels for named loggers and the loggers under them
 * ({@code io.helidon=warn} covers {@code io.helidon.webserver.ServerListener}).
 *
 * @param fallback the level of loggers no rule names
 * @param rules levels by logger name; the longest name that is the logger's or a dotted prefix of
 *     it wins
 */
public record LogLevels(Level fallback, Map<String, Level> rules) {

  /**
   * What a node logs unless told otherwise: INFO, and Helidon's own loggers at WARN (their INFO
   * lines say what the CLI's own already say).
   */
  public static final LogLevels DEFAULT =
      new LogLevels(Level.INFO, Map.of("io.helidon", Level.WARN));

  public LogLevels {
    rules = Map.copyOf(rules);
  }

  /**
   * {@link #DEFAULT} changed by {@code specs} in order: {@code LEVEL} sets the default, {@code
   * LOGGER=LEVEL} the level of a logger and those under it; levels are error, warn, info, debug and
   * trace.
   *
   * @throws IllegalArgumentException naming the spec that is neither
   */
  public static LogLevels parse(List<String> specs) {
    Level fallback = DEFAULT.fallback;
    Map<String, Level> rules = new LinkedHashMap<>(DEFAULT.rules);
    for (String spec : specs) {
      int eq = spec.indexOf('=');
      if (eq < 0) {
        fallback = level(spec);
      } else if (eq == 0) {
        throw new IllegalArgumentException("'" + spec + "' names no logger before '='");
      } else {
        rules.put(spec.substring(0, eq), level(spec.substring(eq + 1)));
      }
    }
    return new LogLevels(fallback, rules);
  }

  /** The level of the logger {@code name}. */
  public Level of(String name) {
    for (String n = name; ; n = n.substring(0, n.lastIndexOf('.'))) {
      Level level = rules.get(n);
      if (level != null) {
        return level;
      }
      if (n.lastIndexOf('.') < 0) {
        return fallback;
      }
    }
  }

  /** The most detailed level any logger has. */
  Level finest() {
    Level finest = fallback;
    for (Level level : rules.values()) {
      if (level.toInt() < finest.toInt()) {
        finest = level;
      }
    }
    return finest;
  }

  private static Level level(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "error" -> Level.ERROR;
      case "warn" -> Level.WARN;
      case "info" -> Level.INFO;
      case "debug" -> Level.DEBUG;
      case "trace" -> Level.TRACE;
      default ->
          throw new IllegalArgumentException(
              "'" + name + "' is not a log level: error, warn, info, debug or trace");
    };
  }
}
