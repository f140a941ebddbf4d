package dev.wasmgrid.http;

import dev.wasmgrid.errors.Failure;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.LoggerFactory;

/**
 * The routes of some {@link Service}s, served without HTTP: how the coordinator's in-process worker
 * answers exactly as a remote worker's server would, through the same handlers, with the same
 * errors (an unknown path is 404, a known path with another method 405), and streamed answers left
 * streamed. There is no token check: nothing crosses a network.
 */
public final class RouteTable {
  private final Routes routes;
  private final List<Route> handlers;

  private RouteTable(Routes routes) {
    this.routes = routes;
    this.handlers =
        Stream.concat(routes.handlers().stream(), routes.publicHandlers().stream()).toList();
  }

  /** The routes {@code services} declare. */
  public static RouteTable of(List<? extends Service> services) {
    return new RouteTable(Routes.of(services));
  }

  /**
   * Serves one request; never throws for a bad request, whose error is the reply.
   *
   * @param target the path with its query, if any
   * @param contentType the body's type, or an empty string
   */
  public Reply dispatch(String method, String target, String contentType, byte[] body) {
    int q = target.indexOf('?');
    String path = q < 0 ? target : target.substring(0, q);
    String query = q < 0 ? "" : target.substring(q + 1);
    Optional<Reply> exact = exact(method, path, contentType, body, query);
    if (exact.isPresent()) {
      return exact.get();
    }
    Set<String> allowed = new TreeSet<>();
    String known = null;
    if (routes.declares(path)) {
      known = path;
      allowed.addAll(routes.methods(path));
    }
    for (Route route : handlers) {
      Map<String, String> params = match(route.pattern(), path);
      if (params == null) {
        continue;
      }
      if (route.method().equals(method)) {
        return invoke(route, new LocalRequest(method, path, params, query, contentType, body));
      }
      if (known == null) {
        known = route.pattern();
      }
      if (known.equals(route.pattern())) {
        allowed.add(route.method());
        if (route.method().equals("GET")) {
          allowed.add("HEAD");
        }
      }
    }
    Failure error =
        known != null
            ? ServerRouting.wrongMethod(known, String.join(", ", allowed))
            : new Failure(
                Failure.Kind.NOT_FOUND,
                "not_found",
                "",
                "no route " + method + " " + path + "; see docs/api.md");
    Endpoint endpoint = routes.posts().get(path);
    return endpoint == null ? ErrorBodies.plain(error) : endpoint.error(error);
  }

  private Optional<Reply> exact(
      String method, String path, String contentType, byte[] body, String query) {
    Endpoint endpoint =
        switch (method) {
          case "POST" -> routes.posts().get(path);
          case "PUT" -> routes.puts().get(path);
          default -> null;
        };
    if (endpoint != null) {
      return Optional.of(endpoint.serve(contentType, body, LocalRequest.parameters(query)));
    }
    Supplier<Reply> view = method.equals("GET") ? routes.views().get(path) : null;
    return Optional.ofNullable(view).map(RouteTable::invoke);
  }

  /**
   * Runs a handler and turns whatever it throws into the error reply a server would send, so one
   * bad request never takes anything down.
   */
  static Reply invoke(Route route, Request request) {
    return invoke(() -> route.handler().handle(request));
  }

  private static Reply invoke(Supplier<Reply> handling) {
    try {
      return handling.get();
    } catch (Failure e) {
      return ErrorBodies.plain(e);
    } catch (OutOfMemoryError e) {
      // What the request allocated is garbage once we answer; the server keeps serving.
      return ErrorBodies.plain(Failure.outOfMemory());
    } catch (RuntimeException e) {
      LoggerFactory.getLogger(RouteTable.class).error("request failed", e);
      return ErrorBodies.plain(
          new Failure(
              Failure.Kind.INTERNAL, "internal", "", "internal error: " + e.getClass().getName()));
    }
  }

  /**
   * The parameters of {@code path} under {@code pattern}, or null when it does not match: a {@code
   * {name}} segment matches one non-empty segment, {@code /*} at the end any rest.
   */
  static Map<String, String> match(String pattern, String path) {
    if (pattern.endsWith("/*")) {
      String prefix = pattern.substring(0, pattern.length() - 1);
      return path.startsWith(prefix) ? Map.of() : null;
    }
    String[] want = pattern.split("/", -1);
    String[] got = path.split("/", -1);
    if (want.length != got.length) {
      return null;
    }
    Map<String, String> params = new HashMap<>();
    for (int i = 0; i < want.length; i++) {
      String segment = want[i];
      if (segment.startsWith("{") && segment.endsWith("}")) {
        if (got[i].isEmpty()) {
          return null;
        }
        params.put(
            segment.substring(1, segment.length() - 1),
            URLDecoder.decode(got[i].replace("+", "%2B"), StandardCharsets.UTF_8));
      } else if (!segment.equals(got[i])) {
        return null;
      }
    }
    return params;
  }
}
