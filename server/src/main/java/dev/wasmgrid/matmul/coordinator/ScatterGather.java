package dev.wasmgrid.matmul.coordinator;

import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.grid.WorkTiming;
import dev.wasmgrid.grid.WorkerClient;
import dev.wasmgrid.grid.WorkerUnauthorizedException;
import dev.wasmgrid.http.RequestIds;
import dev.wasmgrid.matmul.Matrix;
import dev.wasmgrid.matmul.wire.MatmulRequest;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Computes one product on several workers: cuts C into a {@link BlockPlan}, ships each tile's A and
 * B bands as binary frames, and places the answers. Each worker runs {@value #IN_FLIGHT_PER_WORKER}
 * request loops pulling from one queue: with several tiles per worker one uploads while another
 * computes, faster workers take more tiles, and a re-run tile finds a loop free at once. A tile
 * whose worker fails, times out or answers with the wrong shape goes back on the queue for another
 * worker; a worker that fails {@value TileJob#MAX_WORKER_FAILURES} times in a row takes no more
 * tiles of this job. The result is complete and checked, or the job fails: never a partial matrix.
 */
public final class ScatterGather {
  private static final Logger LOG = LoggerFactory.getLogger(ScatterGather.class);
  private static final int IN_FLIGHT_PER_WORKER = 2;

  /**
   * What a distributed product cost.
   *
   * @param tiles tiles placed, by the worker whose answer went into C
   * @param taken tiles each worker took from the queue: first placements and retries after a
   *     failure, not straggler copies
   * @param timings each placed tile's measurements, for the workers' speeds
   */
  public record Outcome(
      Matrix c,
      BlockPlan plan,
      long bytesSent,
      long bytesReceived,
      Map<String, Integer> tiles,
      Map<String, Integer> taken,
      List<WorkTiming> timings) {}

  /**
   * Hears a product's progress and may stop it: the seam for long jobs ({@code /v1/jobs}). Called
   * from the request loops, concurrently and not necessarily in order, so implementations must be
   * quick and thread-safe.
   */
  public interface Progress {

    /** Hears nothing and never cancels: synchronous requests. */
    Progress NONE =
        new Progress() {
          @Override
          public void tileDone(int done, int total, long bytesSent, long bytesReceived) {}

          @Override
          public boolean cancelled() {
            return false;
          }
        };

    /**
     * {@code done} of {@code total} tiles are placed in C, with the bytes sent to and received from
     * workers so far; also called once with {@code done = 0} when the plan is made.
     */
    void tileDone(int done, int total, long bytesSent, long bytesReceived);

    /**
     * Whether the product is to stop: no more tiles are handed out, the caller stops waiting for
     * calls in flight, and {@link #multiply} throws 409 {@code cancelled} instead of returning C.
     */
    boolean cancelled();
  }

  private ScatterGather() {}

  /**
   * C = A·B on {@code workers}, in up to {@code tilesPerWorker} tiles each; tiles no worker could
   * compute go to {@code fallback} (the coordinator's own kernel) when there is one.
   *
   * @throws Failure 503 {@code no_worker_available} when tiles remain and no capacity is left; 502
   *     {@code worker_unauthorized} instead when a worker refused the coordinator's token
   */
  public static Outcome multiply(
      MatmulRequest request,
      List<WorkerClient> workers,
      int tilesPerWorker,
      Optional<WorkerClient> fallback) {
    return multiply(request, workers, tilesPerWorker, fallback, Progress.NONE);
  }

  /**
   * As {@link #multiply(MatmulRequest, List, int, Optional)}, reporting each placed tile to {@code
   * progress} and stopping when it says so.
   *
   * @throws Failure 409 {@code cancelled} when {@code progress} cancelled the product
   */
  public static Outcome multiply(
      MatmulRequest request,
      List<WorkerClient> workers,
      int tilesPerWorker,
      Optional<WorkerClient> fallback,
      Progress progress) {
    Matrix a = request.a();
    Matrix b = request.b();
    int tiles = Math.max(1, workers.size()) * tilesPerWorker;
    BlockPlan plan = BlockPlan.of(a.rows(), a.cols(), b.cols(), tiles);
    TileJob job = new TileJob(a, b, plan, progress);
    progress.tileDone(0, plan.blocks().size(), 0, 0);
    run(job, workers);
    throwIfCancelled(progress);
    if (job.remaining.get() > 0 && fallback.isPresent()) {
      LOG.warn(
          "{} of {} tiles left after every worker failed; computing them locally",
          job.remaining.get(),
          plan.blocks().size());
      run(job, List.of(fallback.get()));
      throwIfCancelled(progress);
    }
    if (job.remaining.get() > 0 && !job.refusing.isEmpty()) {
      // The coordinator's configuration is at fault, not the request: as WorkerPool.call says.
      throw new Failure(
          Failure.Kind.WORKER_FAILED,
          "worker_unauthorized",
          "",
          new WorkerUnauthorizedException(String.join(", ", job.refusing)).getMessage()
              + "; no other worker computed its tiles");
    }
    if (job.remaining.get() > 0) {
      String firstFailures;
      synchronized (job.failures) { // abandoned loops may still be adding
        firstFailures =
            String.join("; ", job.failures.subList(0, Math.min(5, job.failures.size())));
      }
      throw new Failure(
          Failure.Kind.UNAVAILABLE,
          "no_worker_available",
          "",
          job.remaining.get()
              + " of "
              + plan.blocks().size()
              + " tiles could not be computed: every worker failed ("
              + firstFailures
              + ")");
    }
    List<WorkTiming> timings;
    synchronized (job.timings) { // abandoned loops may still be adding
      timings = List.copyOf(job.timings);
    }
    return new Outcome(
        job.c,
        plan,
        job.bytesSent.get(),
        job.bytesReceived.get(),
        Map.copyOf(job.tiles),
        Map.copyOf(job.taken),
        timings);
  }

  private static void throwIfCancelled(Progress progress) {
    if (progress.cancelled()) {
      throw new Failure(Failure.Kind.CONFLICT, "cancelled", "", "the product was cancelled");
    }
  }

  /**
   * Runs request loops on {@code workers} until every tile is placed, all of them gave up, or the
   * product is cancelled.
   */
  private static void run(TileJob job, List<WorkerClient> workers) {
    if (workers.isEmpty()) {
      return;
    }
    TileJob.Round round = new TileJob.Round(workers.size(), workers.size() * IN_FLIGHT_PER_WORKER);
    job.round = round;
    ExecutorService loops = Executors.newVirtualThreadPerTaskExecutor();
    try {
      for (WorkerClient worker : workers) {
        AtomicInteger failures = new AtomicInteger();
        for (int i = 0; i < IN_FLIGHT_PER_WORKER; i++) {
          boolean first = i == 0;
          loops.execute(RequestIds.carrying(() -> job.serve(worker, failures, round, first)));
        }
      }
      // Polled rather than awaited outright: a cancelled product must not wait for slow calls.
      while (!round.finished.await(TileJob.POLL_MILLIS, TimeUnit.MILLISECONDS)) {
        if (job.progress.cancelled()) {
          break;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Failure(Failure.Kind.UNAVAILABLE, "interrupted", "", "the product was interrupted");
    } finally {
      // Calls still running are stragglers whose tiles are done elsewhere: abandon them.
      loops.shutdownNow();
    }
  }
}
