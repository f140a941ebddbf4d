package dev.wasmgrid.http;

import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Request metrics: a latency histogram per route, method and status (whose count is the request
 * count) and the number of requests in flight, tagged by {@link RouteLabels}.
 */
final class HttpMetrics implements Filter {
  private final PrometheusMeterRegistry registry;
  private final RouteLabels routes;
  private final AtomicInteger inFlight = new AtomicInteger();

  HttpMetrics(PrometheusMeterRegistry registry, RouteLabels routes) {
    this.registry = registry;
    this.routes = routes;
    registry.gauge("wasmgrid.http.inflight", inFlight);
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
                .tag("route", routes.of(req))
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
