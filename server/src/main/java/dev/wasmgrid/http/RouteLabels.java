package dev.wasmgrid.http;

import io.helidon.http.PathMatcher;
import io.helidon.http.PathMatchers;
import io.helidon.webserver.http.RoutingRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The route a request took, as metrics and the access log name it: its exact path, the pattern it
 * matched ({@code /v1/jobs/{id}}, never the id itself), or {@code other} for an unknown path, so
 * that scanners cannot blow up the number of series.
 */
final class RouteLabels {
  private final Set<String> routes;
  private final Map<String, PathMatcher> patterns = new LinkedHashMap<>();

  /**
   * @param routes exact paths
   * @param patterns path patterns, tried in order after the exact paths
   */
  RouteLabels(Set<String> routes, List<String> patterns) {
    this.routes = Set.copyOf(routes);
    patterns.forEach(pattern -> this.patterns.put(pattern, PathMatchers.create(pattern)));
  }

  String of(RoutingRequest req) {
    String path = req.path().path();
    if (routes.contains(path)) {
      return path;
    }
    for (Map.Entry<String, PathMatcher> pattern : patterns.entrySet()) {
      if (pattern.getValue().match(req.path()).accepted()) {
        return pattern.getKey();
      }
    }
    return "other";
  }
}
