package dev.wasmgrid.http;

import io.helidon.websocket.WsListener;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A WebSocket endpoint. The server checks the token on the upgrade request ({@code Authorization:
 * Bearer <token>}, or {@code ?access_token=<token>} for browsers, whose WebSocket API cannot set
 * headers) before the listener hears of the connection.
 *
 * @param pattern a Helidon path pattern such as {@code /v1/sim/{id}/frames}
 * @param listeners makes one listener per connection, so a listener may keep that connection's
 *     state (what it learned from the upgrade request)
 */
public record SocketRoute(String pattern, Supplier<WsListener> listeners) {

  public SocketRoute {
    Objects.requireNonNull(listeners, "listeners");
    if (!pattern.startsWith("/")) {
      throw new IllegalArgumentException("the pattern must start with '/': " + pattern);
    }
  }
}
