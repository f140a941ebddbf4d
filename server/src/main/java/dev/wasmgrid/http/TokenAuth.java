package dev.wasmgrid.http;

import dev.wasmgrid.errors.Failure;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerResponse;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Requires {@code Authorization: Bearer <token>} on every route but the health probes, which
 * orchestrators call without credentials, the API's description, and the public routes (the web
 * app's files, which hold no secrets and which a browser fetches without the token). A missing or
 * wrong token gets 401 in the route's own error format.
 */
final class TokenAuth implements Filter {
  private static final Set<String> OPEN = GridServer.OPEN;

  private final BearerToken expected;
  private final Map<String, Endpoint> endpoints;
  private final List<String> publicPatterns;

  /**
   * @param publicPatterns paths served without the token: exact, or a prefix ending in {@code /*}
   */
  TokenAuth(String token, Map<String, Endpoint> endpoints, List<String> publicPatterns) {
    this.expected = new BearerToken(token);
    this.endpoints = endpoints;
    this.publicPatterns = List.copyOf(publicPatterns);
  }

  @Override
  public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
    String path = req.path().path();
    if (OPEN.contains(path) || isPublic(path) || authorized(req)) {
      chain.proceed();
      return;
    }
    Failure error =
        new Failure(
            Failure.Kind.UNAUTHENTICATED,
            "unauthorized",
            "",
            "this server requires 'Authorization: Bearer <token>' (--token or WASMGRID_TOKEN)");
    Endpoint endpoint = endpoints.get(path);
    Reply reply = endpoint == null ? ErrorBodies.plain(error) : endpoint.error(error);
    ServerResponse out = HeadResponse.of(req, res);
    out.status(Status.create(reply.status()));
    out.header(HeaderNames.WWW_AUTHENTICATE, "Bearer");
    out.header(HeaderNames.CONTENT_TYPE, reply.contentType());
    out.send(reply.body());
  }

  private boolean isPublic(String path) {
    for (String pattern : publicPatterns) {
      boolean prefix = pattern.endsWith("/*");
      if (prefix
          ? path.startsWith(pattern.substring(0, pattern.length() - 1))
          : path.equals(pattern)) {
        return true;
      }
    }
    return false;
  }

  private boolean authorized(RoutingRequest req) {
    return req.headers()
        .first(HeaderNames.AUTHORIZATION)
        .map(expected::matchesHeader)
        .orElse(false);
  }
}
