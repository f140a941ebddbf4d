package dev.wasmgrid.http;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Gives every request a {@link BodyBudget.Lease} in its context, which {@link RequestBodies} and
 * streamed endpoints reserve from, and gives it back when the request ends however it ends. A
 * request refused for want of room is answered with {@code Retry-After}: bodies in flight end.
 */
final class BodyLeases implements Filter {
  private final BodyBudget budget;

  BodyLeases(BodyBudget budget, MeterRegistry registry) {
    this.budget = budget;
    registry.gauge("wasmgrid.http.body.bytes", budget, BodyBudget::held);
    registry.gauge("wasmgrid.http.body.budget.bytes", budget, BodyBudget::capacity);
  }

  @Override
  public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
    try (BodyBudget.Lease lease = budget.lease(() -> res.header(HeaderNames.RETRY_AFTER, "1"))) {
      req.context().register(lease);
      chain.proceed();
    }
  }
}
