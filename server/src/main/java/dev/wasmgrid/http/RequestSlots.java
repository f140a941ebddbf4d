package dev.wasmgrid.http;

import dev.wasmgrid.errors.Failure;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.util.Set;
import java.util.concurrent.Semaphore;

/**
 * Bounds the requests in service to {@code --max-concurrent}: one more gets 503 {@code overloaded}
 * with {@code Retry-After} at once (rejecting rather than queueing, so that a coordinator tries
 * another worker). The health probes take no slot: an orchestrator must see a busy server as alive
 * and ready, not restart it, whatever its clients hold.
 */
final class RequestSlots implements Filter {
  private static final Set<String> EXEMPT = GridServer.PROBES;

  private final Semaphore slots;

  RequestSlots(int maxConcurrentRequests) {
    this.slots = new Semaphore(maxConcurrentRequests);
  }

  @Override
  public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
    if (EXEMPT.contains(req.path().path())) {
      chain.proceed();
      return;
    }
    if (!slots.tryAcquire()) {
      res.header(HeaderNames.RETRY_AFTER, "1");
      ServerRouting.send(
          HeadResponse.of(req, res),
          ErrorBodies.plain(
              new Failure(
                  Failure.Kind.UNAVAILABLE,
                  "overloaded",
                  "",
                  "the server is serving its limit of concurrent requests (--max-concurrent);"
                      + " retry later")));
      return;
    }
    try {
      chain.proceed();
    } finally {
      slots.release();
    }
  }
}
