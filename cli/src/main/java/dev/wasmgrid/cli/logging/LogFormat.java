package dev.wasmgrid.cli.logging;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.event.Level;

/** How a log record is written as one line: readable text, or one JSON object. */
public enum LogFormat {
  /**
   * {@code 2026-12-05T09:12:01.123+0000 INFO WorkerNode - message}: the time in the local zone, the
   * level, the last part of the logger's name; a throwable's stack trace on the lines after.
   */
  TEXT {
    @Override
    String line(Entry r) {
      String name = r.logger().substring(r.logger().lastIndexOf('.') + 1);
      String line = TIME.format(r.time()) + " " + r.level() + " " + name + " - " + r.message();
      return r.error() == null
          ? line
          : line + System.lineSeparator() + stackTrace(r.error()).stripTrailing();
    }
  },
  /**
   * {@code {"time":"2026-12-05T09:12:01.123Z","level":"INFO","logger":"wasmgrid.access",
   * "message":"...","request_id":"..."}}: the time in UTC, the whole logger name, the request id
   * when the record was written while serving one, a throwable's stack trace as {@code error}.
   */
  JSON {
    @Override
    String line(Entry r) {
      StringBuilder json = new StringBuilder(128 + r.message().length());
      json.append("{\"time\":\"").append(r.time()).append('"');
      field(json, "level", r.level().toString());
      field(json, "logger", r.logger());
      field(json, "message", r.message());
      r.requestId().ifPresent(id -> field(json, "request_id", id));
      if (r.error() != null) {
        field(json, "error", stackTrace(r.error()).stripTrailing());
      }
      return json.append('}').toString();
    }
  };

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSxx", Locale.ROOT)
          .withZone(ZoneId.systemDefault());

  /** One log record, its message already formatted. */
  record Entry(
      Instant time,
      Level level,
      String logger,
      String message,
      Throwable error,
      Optional<String> requestId) {}

  /** The record as one line (text adds a stack trace's lines), without the final line break. */
  abstract String line(Entry entry);

  /** The format named {@code text} or {@code json}. */
  public static LogFormat parse(String name) {
    return switch (name) {
      case "text" -> TEXT;
      case "json" -> JSON;
      default ->
          throw new IllegalArgumentException("'" + name + "' is not a log format: text or json");
    };
  }

  private static String stackTrace(Throwable error) {
    StringWriter trace = new StringWriter();
    error.printStackTrace(new PrintWriter(trace));
    return trace.toString();
  }

  private static void field(StringBuilder json, String name, String value) {
    json.append(",\"").append(name).append("\":\"");
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> json.append("\\\"");
        case '\\' -> json.append("\\\\");
        case '\n' -> json.append("\\n");
        case '\r' -> json.append("\\r");
        case '\t' -> json.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x2028 || c == 0x2029) {
            json.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            json.append(c);
          }
        }
      }
    }
    json.append('"');
  }
}
