package dev.wasmgrid.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.ServerConnectionException;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * A {@code text/event-stream} answer written event by event, each flushed at once so a token
 * reaches the client as soon as it exists. A client that went away shows as a failed write: {@link
 * #send} then returns false (Helidon reports it as a {@link ServerConnectionException}), and the
 * caller stops generating.
 */
public final class EventStream implements AutoCloseable {
  private final OutputStream out;
  private boolean broken;

  private EventStream(OutputStream out) {
    this.out = out;
  }

  /** Starts a 200 event stream on {@code res}. */
  public static EventStream open(ServerResponse res) {
    res.status(Status.OK_200);
    res.header(HeaderNames.CONTENT_TYPE, "text/event-stream");
    res.header(HeaderNames.CACHE_CONTROL, "no-cache");
    return new EventStream(res.outputStream());
  }

  /** Sends one event ({@code name} null for an unnamed one); false once the client is gone. */
  public boolean send(String name, String data) {
    StringBuilder event = new StringBuilder();
    if (name != null) {
      event.append("event: ").append(name).append('\n');
    }
    for (String line : data.split("\n", -1)) {
      event.append("data: ").append(line).append('\n');
    }
    event.append('\n');
    return raw(event.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** Sends bytes that are already events (a relayed stream); false once the client is gone. */
  public boolean raw(byte[] bytes) {
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

  /** Whether a write has failed: the client went away. */
  public boolean broken() {
    return broken;
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
