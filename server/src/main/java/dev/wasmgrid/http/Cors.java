package dev.wasmgrid.http;

import dev.wasmgrid.errors.Failure;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.util.Optional;

/**
 * Answers CORS preflights and marks answers readable by allowed origins; refuses a WebSocket
 * upgrade from an origin not allowed (see {@link SocketGuard}). It runs before the token check: a
 * browser sends a preflight without credentials, and the real request that follows carries the
 * token.
 */
final class Cors implements Filter {
  private static final HeaderName REQUEST_METHOD =
      HeaderNames.create("Access-Control-Request-Method");

  private final CorsPolicy policy;

  Cors(CorsPolicy policy) {
    this.policy = policy;
  }

  @Override
  public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
    Optional<String> origin = req.headers().first(HeaderNames.ORIGIN);
    if (origin.isEmpty()) {
      chain.proceed();
      return;
    }
    boolean preflight =
        Method.OPTIONS.equals(req.prologue().method()) && req.headers().contains(REQUEST_METHOD);
    if (!policy.allows(origin.get())) {
      // A WebSocket upgrade gets here only once SocketGuard has refused it; the frames it would
      // have opened are read by the page itself, so no CORS header can keep them from it.
      if (preflight
          || (isUpgrade(req)
              && !policy.allowsSocket(origin.get(), req.headers().first(HeaderNames.HOST)))) {
        ServerRouting.send(
            res,
            ErrorBodies.plain(
                new Failure(
                    Failure.Kind.FORBIDDEN,
                    "origin_not_allowed",
                    "",
                    "origin " + origin.get() + " is not in this node's --cors-origin list")));
        return;
      }
      chain.proceed(); // no CORS headers: the browser keeps the answer from the page
      return;
    }
    res.header(HeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, policy.allowOrigin(origin.get()));
    res.header(HeaderNames.VARY, "Origin");
    if (preflight) {
      res.header(HeaderNames.ACCESS_CONTROL_ALLOW_METHODS, "GET, POST, PUT, DELETE");
      res.header(HeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, "Authorization, Content-Type");
      res.header(HeaderNames.ACCESS_CONTROL_MAX_AGE, "600");
      res.status(Status.NO_CONTENT_204);
      res.send();
      return;
    }
    // The app reads the kernel time, a job's location and when to retry.
    res.header(HeaderNames.ACCESS_CONTROL_EXPOSE_HEADERS, "Server-Timing, Location, Retry-After");
    chain.proceed();
  }

  private static boolean isUpgrade(RoutingRequest req) {
    return req.headers()
        .first(HeaderNames.UPGRADE)
        .map(u -> u.equalsIgnoreCase("websocket"))
        .orElse(false);
  }
}
