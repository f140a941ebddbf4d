package dev.wasmgrid.grid;

import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.http.Reply;
import java.io.IOException;
import java.net.URI;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Places each request on a worker, round-robin, and moves on to the next worker when one cannot be
 * reached or fails with a 5xx. A worker's 4xx answer is the request's fault and is returned as is,
 * but for a 401: the worker refuses the coordinator's token, which is no fault of the client's.
 *
 * <p>The set of workers changes at run time (discovery adds and removes them) and each worker's
 * health is tracked: after {@code downAfter} consecutive failures it is down and gets no work until
 * a probe brings it back (see {@link HealthProbe}).
 */
public final class WorkerPool {
  private static final Logger LOG = LoggerFactory.getLogger(WorkerPool.class);

  private final int downAfter;
  private final InstantSource clock;
  private final AtomicInteger next = new AtomicInteger();
  // Copy-on-write: placement reads a snapshot without locking; changes synchronize on this.
  private volatile List<TrackedWorker> members = List.of();

  /** An empty pool that discovery fills; {@code downAfter} consecutive failures mark one down. */
  public WorkerPool(int downAfter, InstantSource clock) {
    if (downAfter < 1) {
      throw new IllegalArgumentException("downAfter must be at least 1, not " + downAfter);
    }
    this.downAfter = downAfter;
    this.clock = clock;
  }

  /**
   * The workers that may get work now (every one not down), in placement order. Calls made through
   * them count towards their health and statistics.
   */
  public List<WorkerClient> workers() {
    return List.copyOf(eligible());
  }

  /** Every worker in the pool, down ones included, with its health and counters. */
  public List<WorkerStatus> statuses() {
    return members.stream().map(TrackedWorker::status).toList();
  }

  /** Adds a worker unless one with the same name is already in the pool. */
  public synchronized void add(WorkerClient client, String source) {
    if (find(client.name()) == null) {
      List<TrackedWorker> changed = new ArrayList<>(members);
      changed.add(new TrackedWorker(client, source, downAfter, clock));
      members = List.copyOf(changed);
      LOG.info("worker {} ({}) added to the pool", client.name(), source);
    }
  }

  /**
   * Makes the workers from {@code source} exactly {@code urls}: adds the new ones (connecting with
   * {@code connect}) and removes the ones no longer listed. A URL already in the pool from another
   * source keeps its entry.
   */
  public synchronized void sync(String source, Set<URI> urls, Function<URI, WorkerClient> connect) {
    Set<String> wanted = urls.stream().map(URI::toString).collect(Collectors.toSet());
    List<TrackedWorker> changed = new ArrayList<>();
    for (TrackedWorker worker : members) {
      if (worker.source().equals(source) && !wanted.contains(worker.name())) {
        LOG.info("worker {} ({}) removed from the pool", worker.name(), source);
      } else {
        changed.add(worker);
      }
    }
    members = List.copyOf(changed);
    for (URI url : urls) {
      if (find(url.toString()) == null) {
        add(connect.apply(url), source);
      }
    }
  }

  /** Notes a heartbeat from the named worker. */
  public void seen(String name) {
    TrackedWorker worker = find(name);
    if (worker != null) {
      worker.seen();
    }
  }

  /** Clears the named worker's failures and marks it up, e.g. after it restarted. */
  public void reset(String name, String why) {
    TrackedWorker worker = find(name);
    if (worker != null) {
      worker.recovered(why);
    }
  }

  /** Every worker, for the health probe. */
  List<TrackedWorker> members() {
    return members;
  }

  /** Feeds measured tiles into their workers' speeds; tiles of workers since gone are dropped. */
  public void record(List<WorkTiming> tiles) {
    for (WorkTiming tile : tiles) {
      TrackedWorker worker = find(tile.worker());
      if (worker != null) {
        worker.record(tile);
      }
    }
  }

  /** The measured speeds of the workers that may get work now (every one not down). */
  public List<WorkerSpeed.Estimate> speeds() {
    return eligible().stream().map(TrackedWorker::speed).toList();
  }

  /**
   * Sends a request to one worker, trying the others on failure.
   *
   * @throws Failure 503 {@code no_worker_available} when every worker failed or none is up; 502
   *     {@code worker_unauthorized} instead when one of them refuses the coordinator's token
   */
  public Reply call(String path, String contentType, byte[] body) {
    List<TrackedWorker> workers = eligible();
    if (workers.isEmpty()) {
      List<String> refusing =
          members.stream().filter(TrackedWorker::isUnauthorized).map(TrackedWorker::name).toList();
      if (!refusing.isEmpty()) {
        // The coordinator's configuration is at fault, not the client's request nor a worker's
        // health: say so however the worker came to be out (this request, or another call).
        throw new Failure(
            Failure.Kind.WORKER_FAILED,
            "worker_unauthorized",
            "",
            new WorkerUnauthorizedException(String.join(", ", refusing)).getMessage()
                + "; no other worker is up");
      }
      throw new Failure(
          Failure.Kind.UNAVAILABLE,
          "no_worker_available",
          "",
          "no worker is available: " + members.size() + " known, none up; see GET /v1/workers");
    }
    int start = Math.floorMod(next.getAndIncrement(), workers.size());
    List<String> failures = new ArrayList<>();
    WorkerUnauthorizedException refused = null;
    Reply last = null;
    for (int i = 0; i < workers.size(); i++) {
      TrackedWorker worker = workers.get((start + i) % workers.size());
      try {
        Reply reply = worker.call(path, contentType, body);
        if (reply.status() < 500) {
          return reply;
        }
        last = reply;
        failures.add(worker.name() + " answered " + reply.status());
      } catch (WorkerUnauthorizedException e) {
        refused = e;
        failures.add(e.getMessage());
      } catch (IOException e) {
        failures.add(worker.name() + ": " + e);
      }
      LOG.warn("worker {} failed for {}: {}", worker.name(), path, failures.getLast());
    }
    if (last != null) {
      return last;
    }
    if (refused != null) {
      throw new Failure(
          Failure.Kind.WORKER_FAILED, "worker_unauthorized", "", refused.getMessage());
    }
    throw new Failure(
        Failure.Kind.UNAVAILABLE,
        "no_worker_available",
        "",
        "no worker could take the request: " + failures);
  }

  private List<TrackedWorker> eligible() {
    return members.stream().filter(worker -> !worker.isDown()).toList();
  }

  private TrackedWorker find(String name) {
    for (TrackedWorker worker : members) {
      if (worker.name().equals(name)) {
        return worker;
      }
    }
    return null;
  }
}
