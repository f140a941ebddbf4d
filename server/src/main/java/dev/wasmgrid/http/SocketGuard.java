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
 * A {@link WsListener} that lets an upgrade through only from an origin the {@link CorsPolicy}
 * allows and with the server's token, then hands everything to the route's own listener. HTTP
 * filters ({@link Cors}, {@link TokenAuth}) never see an upgrade that succeeds, so the checks live
 * here. A refused upgrade is served as a plain HTTP request, so those filters then answer it: 403
 * {@code origin_not_allowed} or 401 {@code unauthorized}.
 */
final class SocketGuard implements WsListener {
  private final CorsPolicy cors;
  private final Optional<BearerToken> expected;
  private final WsListener delegate;

  SocketGuard(CorsPolicy cors, Optional<String> token, WsListener delegate) {
    this.cors = cors;
    this.expected = token.map(BearerToken::new);
    this.delegate = delegate;
  }

  @Override
  public Optional<Headers> onHttpUpgrade(HttpPrologue prologue, Headers headers)
      throws WsUpgradeException {
    Optional<String> origin = headers.first(HeaderNames.ORIGIN);
    if (origin.isPresent() && !cors.allowsSocket(origin.get(), headers.first(HeaderNames.HOST))) {
      // A browser page from another site could otherwise read the frames with a user's token.
      throw new WsUpgradeException("origin " + origin.get() + " is not in --cors-origin");
    }
    if (expected.isPresent()) {
      checkToken(prologue, headers, expected.get());
    }
    return delegate.onHttpUpgrade(prologue, headers);
  }

  private static void checkToken(HttpPrologue prologue, Headers headers, BearerToken expected)
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
