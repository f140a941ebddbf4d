package dev.wasmgrid.http;

import io.helidon.http.PathMatcher;
import io.helidon.http.PathMatchers;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Request metrics: a latency histogram per route, method and status (whose count is the request
 * count) and the number of requests in flight. Unknown paths share the route tag {@code other} so
 * that scanners cannot blow up the number of series, and a path matching a pattern route is tagged
 * with the pattern ({@code /v1/jobs/{id}}), not with its parameters.
 */
final class HttpMetrics implements Filter {
  private final PrometheusMeterRegistry registry;
  private final Set<String> routes;
  private final Map<String, PathMatcher> patterns = new LinkedHashMap<>();
  private final AtomicInteger inFlight = new AtomicInteger();

  /**
   * @param routes exact paths
   * @param patterns path patterns, tried in order after the exact paths
   */
  HttpMetrics(PrometheusMeterRegistry registry, Set<String> routes, List<String> patterns) {
    this.registry = registry;
    this.routes = Set.copyOf(routes);
    patterns.forEach(pattern -> this.patterns.put(pattern, PathMatchers.create(pattern)));
    registry.gauge("wasmgrid.http.inflight", inFlight);
  }

  private String route(RoutingRequest req) {
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

  @Override
  public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
    long start = System.nanoTime();
    inFlight.incrementAndGet();
    AtomicBoolean recorded = new AtomicBoolean();
    // Recorded just before the response goes out, so a client that has its answer can already
    // see its request counted (a scrape right after a call must not race the bookkeeping).
    Runnable record =
        () -> {
          if (recorded.compareAndSet(false, true)) {
            inFlight.decrementAndGet();
            Timer.builder("wasmgrid.http.requests")
                .description("HTTP requests by route, method and status")
                .tag("route", route(req))
                .tag("method", req.prologue().method().text())
                .tag("status", Integer.toString(res.status().code()))
                .publishPercentileHistogram()
                .register(registry)
                .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
          }
        };
    res.beforeSend(record);
    try {
      chain.proceed();
    } finally {
      record.run(); // for a response that was never sent
    }
  }
}
