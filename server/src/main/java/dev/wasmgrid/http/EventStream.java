package dev.wasmgrid.http;

import io.helidon.webserver.ServerConnectionException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * A {@code text/event-stream} answer written event by event, each flushed at once so a token
 * reaches the client as soon as it exists; {@link Reply#events} makes one. A client that went away
 * shows as a failed write: {@link #send} then returns false (Helidon reports it as a {@link
 * ServerConnectionException}), and the caller stops generating.
 */
public final class EventStream implements AutoCloseable {
  private final OutputStream out;
  private boolean broken;

  EventStream(OutputStream out) {
    this.out = out;
  }

  /** Sends one event ({@code name} null for an unnamed one); false once the client is gone. */
  public boolean send(String name, String data) {
    return raw(event(name, data));
  }

  /** One event as it is sent: {@code event:} when named, a {@code data:} line per line of data. */
  public static byte[] event(String name, String data) {
    StringBuilder event = new StringBuilder();
    if (name != null) {
      event.append("event: ").append(name).append('\n');
    }
    for (String line : data.split("\n", -1)) {
      event.append("data: ").append(line).append('\n');
    }
    event.append('\n');
    return event.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Sends a comment line, which readers ignore: it keeps proxies from closing an idle stream and
   * finds out whether the reader is still there. False once the client is gone.
   */
  public boolean comment(String text) {
    return raw((": " + text + "\n\n").getBytes(StandardCharsets.UTF_8));
  }

  /** Sends bytes that are already events; false once the client is gone. */
  private boolean raw(byte[] bytes) {
    if (broken) {
      return false;
    }
    try {
      out.write(bytes);
      out.flush();
      return true;
    } catch (IOException | UncheckedIOException | ServerConnectionException e) {
      broken = true;
      return false;
    }
  }

  @Override
  public void close() {
    try {
      out.close();
    } catch (IOException | UncheckedIOException | ServerConnectionException e) {
      broken = true;
    }
  }
}
