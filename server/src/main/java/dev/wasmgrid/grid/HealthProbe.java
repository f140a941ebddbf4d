package dev.wasmgrid.grid;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Asks every worker whether it is ready ({@code GET /health/ready}): a worker marked down that
 * answers 200 goes back to work (one that refused the coordinator's token must also accept it now,
 * see {@link TrackedWorker#ready}), and every answer's round trip feeds the worker's measured
 * latency. Probes run in parallel so that many dead workers cost one timeout per round, not one
 * each.
 */
public final class HealthProbe implements Runnable {
  private final WorkerPool pool;
  private final Duration timeout;

  /** Probes {@code pool}'s workers, each answer awaited up to {@code timeout}. */
  public HealthProbe(WorkerPool pool, Duration timeout) {
    this.pool = pool;
    this.timeout = timeout;
  }

  @Override
  public void run() {
    List<TrackedWorker> workers = pool.members();
    try (ExecutorService probes = Executors.newVirtualThreadPerTaskExecutor()) {
      for (TrackedWorker worker : workers) {
        probes.execute(
            () -> {
              // Only a down worker comes back by a probe: an up one proves itself on real calls.
              if (worker.ready(timeout) && worker.isDown()) {
                worker.recovered(
                    worker.isUnauthorized()
                        ? "it accepts this coordinator's token now"
                        : "GET /health/ready answered 200");
              }
            });
      }
    }
  }
}
