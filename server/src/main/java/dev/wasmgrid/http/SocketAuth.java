package dev.wasmgrid.http;

import io.helidon.common.buffers.BufferData;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.websocket.WsListener;
import io.helidon.websocket.WsSession;
import io.helidon.websocket.WsUpgradeException;
import java.util.Optional;

/**
 * A {@link WsListener} that lets an upgrade through only with the server's token, then hands
 * everything to the route's own listener. HTTP filters ({@link TokenAuth}) never see a WebSocket
 * upgrade, so the check lives here.
 */
final class SocketAuth implements WsListener {
  private final BearerToken expected;
  private final WsListener delegate;

  SocketAuth(String token, WsListener delegate) {
    this.expected = new BearerToken(token);
    this.delegate = delegate;
  }

  @Override
  public Optional<Headers> onHttpUpgrade(HttpPrologue prologue, Headers headers)
      throws WsUpgradeException {
    Optional<String> given =
        headers
            .first(HeaderNames.AUTHORIZATION)
            .flatMap(BearerToken::credentials)
            .or(() -> prologue.query().first("access_token").asOptional());
    if (given.isEmpty() || !expected.matches(given.get())) {
      throw new WsUpgradeException(
          "this server requires 'Authorization: Bearer <token>' or ?access_token=<token>");
    }
    return delegate.onHttpUpgrade(prologue, headers);
  }

  @Override
  public void onOpen(WsSession session) {
    delegate.onOpen(session);
  }

  @Override
  public void onMessage(WsSession session, String text, boolean last) {
    delegate.onMessage(session, text, last);
  }

  @Override
  public void onMessage(WsSession session, BufferData buffer, boolean last) {
    delegate.onMessage(session, buffer, last);
  }

  @Override
  public void onPing(WsSession session, BufferData buffer) {
    delegate.onPing(session, buffer);
  }

  @Override
  public void onPong(WsSession session, BufferData buffer) {
    delegate.onPong(session, buffer);
  }

  @Override
  public void onClose(WsSession session, int status, String reason) {
    delegate.onClose(session, status, reason);
  }

  @Override
  public void onError(WsSession session, Throwable t) {
    delegate.onError(session, t);
  }
}
