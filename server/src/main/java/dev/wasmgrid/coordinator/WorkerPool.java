package dev.wasmgrid.coordinator;

import dev.wasmgrid.http.ApiError;
import dev.wasmgrid.http.Reply;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Places each request on a worker, round-robin, and moves on to the next worker when one cannot be
 * reached or fails with a 5xx. A worker's 4xx answer is the request's fault and is returned as is.
 */
public final class WorkerPool {
  private static final Logger LOG = LoggerFactory.getLogger(WorkerPool.class);

  private final List<WorkerClient> workers;
  private final AtomicInteger next = new AtomicInteger();

  public WorkerPool(List<WorkerClient> workers) {
    if (workers.isEmpty()) {
      throw new IllegalArgumentException("a worker pool needs at least one worker");
    }
    this.workers = List.copyOf(workers);
  }

  /** The workers, in placement order. */
  public List<WorkerClient> workers() {
    return workers;
  }

  /**
   * Sends a request to one worker, trying the others on failure.
   *
   * @throws ApiError 503 {@code no_worker_available} when every worker failed
   */
  public Reply call(String path, String contentType, byte[] body) {
    int start = Math.floorMod(next.getAndIncrement(), workers.size());
    List<String> failures = new ArrayList<>();
    Reply last = null;
    for (int i = 0; i < workers.size(); i++) {
      WorkerClient worker = workers.get((start + i) % workers.size());
      try {
        Reply reply = worker.call(path, contentType, body);
        if (reply.status() < 500) {
          return reply;
        }
        last = reply;
        failures.add(worker.name() + " answered " + reply.status());
      } catch (IOException e) {
        failures.add(worker.name() + ": " + e);
      }
      LOG.warn("worker {} failed for {}: {}", worker.name(), path, failures.getLast());
    }
    if (last != null) {
      return last;
    }
    throw new ApiError(
        503, "no_worker_available", "", "no worker could take the request: " + failures);
  }
}
