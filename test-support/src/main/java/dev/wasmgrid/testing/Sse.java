package dev.wasmgrid.testing;

import java.util.ArrayList;
import java.util.List;

/** Splits a {@code text/event-stream} body into its events, for tests. */
public final class Sse {
  /** One event: its name (null when unnamed) and its data lines joined by newlines. */
  public record Event(String name, String data) {}

  private Sse() {}

  /** The events of {@code body}; comment lines are skipped. */
  public static List<Event> parse(String body) {
    List<Event> events = new ArrayList<>();
    String name = null;
    StringBuilder data = null;
    for (String line : body.split("\n", -1)) {
      if (line.isEmpty()) {
        if (data != null) {
          events.add(new Event(name, data.toString()));
        }
        name = null;
        data = null;
      } else if (line.startsWith("event: ")) {
        name = line.substring(7);
      } else if (line.startsWith("data: ")) {
        data = data == null ? new StringBuilder() : data.append('\n');
        data.append(line.substring(6));
      }
    }
    return events;
  }
}
