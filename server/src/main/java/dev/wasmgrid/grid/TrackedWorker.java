package dev.wasmgrid.grid;

import dev.wasmgrid.http.Reply;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker in the pool together with its health. Being unreachable, timing out or answering 5xx is
 * a failure; a 503 is a busy or memory-starved worker pushing back, not a broken one, so the pool
 * fails over but it counts neither way. A 401 means the worker refuses the coordinator's token: it
 * is taken out at once, the call fails with {@link WorkerUnauthorizedException}, and only a probe
 * whose token is accepted brings it back. The worker is itself a {@link WorkerClient}, so every
 * call made through it is counted, whether the pool placed it or other code took the worker from
 * {@link WorkerPool#workers()}.
 */
final class TrackedWorker implements WorkerClient {
  private static final Logger LOG = LoggerFactory.getLogger(TrackedWorker.class);

  private final WorkerClient client;
  private final String source;
  private final int downAfter;
  private final InstantSource clock;
  private final AtomicLong calls = new AtomicLong();
  private final AtomicInteger inflight = new AtomicInteger();
  private final WorkerSpeed speed = new WorkerSpeed();
  // Guarded by this: failures and down change together, and a transition must be logged once.
  private int failures;
  private boolean down;
  private boolean unauthorized;
  private Instant lastSeen;

  TrackedWorker(WorkerClient client, String source, int downAfter, InstantSource clock) {
    this.client = client;
    this.source = source;
    this.downAfter = downAfter;
    this.clock = clock;
  }

  @Override
  public String name() {
    return client.name();
  }

  String source() {
    return source;
  }

  @Override
  public Reply call(String path, String contentType, byte[] body) throws IOException {
    return track(() -> client.call(path, contentType, body));
  }

  @Override
  public Reply call(String path, String contentType, Body body) throws IOException {
    return track(() -> client.call(path, contentType, body));
  }

  /**
   * Not counted as work: only a worker that cannot be reached fails. Any answer, a guest's own 504
   * {@code timeout} included, shows the worker is alive and says nothing about its health.
   */
  @Override
  public Reply exchange(String method, String target, String contentType, byte[] body)
      throws IOException {
    return exchange(() -> client.exchange(method, target, contentType, body));
  }

  /** As {@link #exchange(String, String, String, byte[])}, within {@code timeout}. */
  @Override
  public Reply exchange(
      String method, String target, String contentType, byte[] body, Duration timeout)
      throws IOException {
    return exchange(() -> client.exchange(method, target, contentType, body, timeout));
  }

  /** As {@link #exchange(String, String, String, byte[])}: an event stream stays streamed. */
  @Override
  public Reply stream(String path, String contentType, byte[] body) throws IOException {
    return exchange(() -> client.stream(path, contentType, body));
  }

  private Reply exchange(Call exchange) throws IOException {
    try {
      Reply reply = exchange.run();
      refuseUnauthorized(reply);
      seen();
      return reply;
    } catch (IOException e) {
      failed(e.toString(), false);
      throw e;
    }
  }

  /** A call to the worker, to be counted. */
  private interface Call {
    Reply run() throws IOException;
  }

  private Reply track(Call call) throws IOException {
    calls.incrementAndGet();
    inflight.incrementAndGet();
    try {
      Reply reply = call.run();
      refuseUnauthorized(reply);
      if (reply.status() == 503) {
        seen(); // busy: alive, but says nothing about whether it works
      } else if (reply.status() >= 500) {
        failed("answered " + reply.status(), true);
      } else {
        recovered("answered a call");
      }
      return reply;
    } catch (IOException e) {
      failed(e.toString(), false);
      throw e;
    } finally {
      inflight.decrementAndGet();
    }
  }

  /** Takes the worker out when it refused the token, and fails the call. */
  private void refuseUnauthorized(Reply reply) throws WorkerUnauthorizedException {
    if (reply.status() != 401) {
      return;
    }
    WorkerUnauthorizedException refused = new WorkerUnauthorizedException(name());
    boolean first;
    synchronized (this) {
      first = !unauthorized;
      unauthorized = true;
      down = true;
      lastSeen = clock.instant();
    }
    if (first) {
      LOG.warn("{}; it gets no work until it accepts the token", refused.getMessage());
    }
    throw refused;
  }

  /**
   * Whether the worker is ready; one that refused the token must also accept it now, since {@code
   * GET /health/ready} needs none.
   */
  @Override
  public boolean ready(Duration timeout) {
    long start = System.nanoTime();
    boolean ready = client.ready(timeout);
    if (ready) {
      speed.recordLatency(System.nanoTime() - start);
    }
    return ready && (!isUnauthorized() || client.acceptsToken(timeout));
  }

  synchronized boolean isUnauthorized() {
    return unauthorized;
  }

  /** Feeds a tile this worker computed into its measured speeds. */
  void record(WorkTiming tile) {
    speed.record(tile);
  }

  WorkerSpeed.Estimate speed() {
    return speed.estimate();
  }

  synchronized boolean isDown() {
    return down;
  }

  /** Notes that the worker is alive (a heartbeat) without changing its health. */
  synchronized void seen() {
    lastSeen = clock.instant();
  }

  /** Marks the worker up with no failures, logging the transition when it was down. */
  void recovered(String why) {
    boolean wasDown;
    synchronized (this) {
      wasDown = down;
      down = false;
      unauthorized = false;
      failures = 0;
      lastSeen = clock.instant();
    }
    if (wasDown) {
      LOG.info("worker {} is up again: {}", name(), why);
    }
  }

  private void failed(String why, boolean answered) {
    boolean wentDown = false;
    int count;
    synchronized (this) {
      if (answered) {
        lastSeen = clock.instant();
      }
      count = ++failures;
      if (!down && count >= downAfter) {
        down = true;
        wentDown = true;
      }
    }
    if (wentDown) {
      LOG.info(
          "worker {} is down after {} consecutive failures (last: {}); probing GET /health/ready",
          name(),
          count,
          why);
    }
  }

  synchronized WorkerStatus status() {
    WorkerState state =
        unauthorized
            ? WorkerState.UNAUTHORIZED
            : down ? WorkerState.DOWN : failures > 0 ? WorkerState.SUSPECT : WorkerState.UP;
    return new WorkerStatus(
        name(), source, state, failures, calls.get(), inflight.get(), lastSeen, speed.estimate());
  }
}
