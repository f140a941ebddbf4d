package dev.wasmgrid.http;

import dev.wasmgrid.errors.Failure;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerResponse;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Counts the requests in service so that a stopping server can let them finish: once {@link
 * #start() draining}, every request but the probes, the metrics and reads of jobs is refused with
 * 503 {@code shutting_down} and a {@code Retry-After}, while those already admitted go on until
 * they return.
 */
final class RequestDrain implements Filter {
  /** Served while draining: the probes say so, and a scrape still sees the last figures. */
  private static final Set<String> EXEMPT = GridServer.BUILT_IN;

  /**
   * Seconds a refused client is told to wait: behind a load balancer a retry reaches another
   * replica, or this one restarted.
   */
  static final String RETRY_AFTER_SECONDS = "2";

  private final Map<String, Endpoint> endpoints;

  // Guarded by this: admission and the start of the drain must not interleave, or a request
  // admitted just after the last count was taken would be cut off by the stop.
  private boolean draining;
  private int inService;

  /**
   * @param endpoints the exact routes, whose own error format the refusal uses
   */
  RequestDrain(Map<String, Endpoint> endpoints) {
    this.endpoints = endpoints;
  }

  @Override
  public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
    String path = req.path().path();
    if (EXEMPT.contains(path)) {
      chain.proceed();
      return;
    }
    if (!admit(readsJob(req.prologue().method().text(), path))) {
      refuse(path, HeadResponse.of(req, res));
      return;
    }
    try {
      chain.proceed();
    } finally {
      release();
    }
  }

  /** Refuses new requests from now on. */
  synchronized void start() {
    draining = true;
  }

  /** Whether {@link #start()} was called. */
  synchronized boolean draining() {
    return draining;
  }

  /**
   * Waits until no admitted request is in service, or until {@code deadline}.
   *
   * @return how many are still in service (0 when all finished)
   */
  synchronized int awaitIdle(Instant deadline) throws InterruptedException {
    while (inService > 0) {
      long left = deadline.toEpochMilli() - System.currentTimeMillis();
      if (left <= 0) {
        break;
      }
      TimeUnit.MILLISECONDS.timedWait(this, left);
    }
    return inService;
  }

  /**
   * A job's status, events or result: still served while draining, since the jobs the drain lets
   * finish are of no use unless their clients can fetch what they computed (C is not kept across a
   * restart).
   */
  private static boolean readsJob(String method, String path) {
    return (method.equals("GET") || method.equals("HEAD")) && path.startsWith("/v1/jobs/");
  }

  private synchronized boolean admit(boolean evenWhileDraining) {
    if (draining && !evenWhileDraining) {
      return false;
    }
    inService++;
    return true;
  }

  private synchronized void release() {
    inService--;
    notifyAll();
  }

  private void refuse(String path, ServerResponse out) {
    Failure error =
        new Failure(
            Failure.Kind.UNAVAILABLE,
            "shutting_down",
            "",
            "this node is shutting down and takes no new requests; retry in "
                + RETRY_AFTER_SECONDS
                + " s (another replica, or this one once restarted)");
    Endpoint endpoint = endpoints.get(path);
    Reply reply = endpoint == null ? ErrorBodies.plain(error) : endpoint.error(error);
    ServerRouting.send(
        out,
        reply
            .withHeader(HeaderNames.RETRY_AFTER.defaultCase(), RETRY_AFTER_SECONDS)
            // The client should open its next connection elsewhere, not reuse this one.
            .withHeader(HeaderNames.CONNECTION.defaultCase(), "close"));
  }
}
