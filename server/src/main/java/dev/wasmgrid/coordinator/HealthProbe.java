package dev.wasmgrid.coordinator;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Asks every worker marked down whether it is ready again ({@code GET /health/ready}) and puts the
 * ones that answer 200 back to work. Probes run in parallel so that many dead workers cost one
 * timeout per round, not one each.
 */
final class HealthProbe implements Runnable {
  private final WorkerPool pool;
  private final Duration timeout;

  HealthProbe(WorkerPool pool, Duration timeout) {
    this.pool = pool;
    this.timeout = timeout;
  }

  @Override
  public void run() {
    List<TrackedWorker> down = pool.down();
    if (down.isEmpty()) {
      return;
    }
    try (ExecutorService probes = Executors.newVirtualThreadPerTaskExecutor()) {
      for (TrackedWorker worker : down) {
        probes.execute(
            () -> {
              if (worker.ready(timeout)) {
                worker.recovered("GET /health/ready answered 200");
              }
            });
      }
    }
  }
}
