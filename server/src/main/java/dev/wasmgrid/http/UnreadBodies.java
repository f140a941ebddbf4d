package dev.wasmgrid.http;

import io.helidon.http.HeaderValues;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;

/**
 * Closes the connection of a request answered before its body was read: an early rejection (401,
 * 413, 404, 503...) or a route that has no use for a body. Helidon would otherwise read the rest of
 * the body to keep the connection, for as long as the client took to send it, and a client that
 * never did held its connection and its request slot for ever. The answer says {@code Connection:
 * close}, so that a client can tell why.
 */
final class UnreadBodies implements Filter {

  @Override
  public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
    res.beforeSend(
        () -> {
          if (unread(req)) {
            res.header(HeaderValues.CONNECTION_CLOSE);
          }
        });
    chain.proceed();
    if (res.isSent() && unread(req)) {
      throw new CloseConnectionException("answered before the request body was read");
    }
  }

  private static boolean unread(ServerRequest req) {
    return req.content().hasEntity() && !req.content().consumed();
  }
}
