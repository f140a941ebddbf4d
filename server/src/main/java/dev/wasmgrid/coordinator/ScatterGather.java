package dev.wasmgrid.coordinator;

import dev.wasmgrid.http.ApiError;
import dev.wasmgrid.http.Reply;
import dev.wasmgrid.matmul.Dtype;
import dev.wasmgrid.matmul.Matrix;
import dev.wasmgrid.matmul.wire.MatmulRequest;
import dev.wasmgrid.matmul.wire.MatrixFrames;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Computes one product on several workers: cuts C into a {@link BlockPlan}, ships each tile's A and
 * B bands as binary frames, and places the answers. Each worker runs {@value #IN_FLIGHT_PER_WORKER}
 * request loops pulling from one queue: with several tiles per worker one uploads while another
 * computes, faster workers take more tiles, and a re-run tile finds a loop free at once. A tile
 * whose worker fails, times out or answers with the wrong shape goes back on the queue for another
 * worker; a worker that fails {@value #MAX_WORKER_FAILURES} times in a row takes no more tiles of
 * this job. The result is complete and checked, or the job fails: never a partial matrix.
 */
public final class ScatterGather {
  private static final Logger LOG = LoggerFactory.getLogger(ScatterGather.class);
  private static final int IN_FLIGHT_PER_WORKER = 2;
  private static final int MAX_WORKER_FAILURES = 2;
  private static final long POLL_MILLIS = 50;
  private static final int STRAGGLER_FACTOR = 3;

  /**
   * What a distributed product cost.
   *
   * @param tiles tiles placed, by worker
   * @param timings each placed tile's measurements, for the workers' speeds
   */
  public record Outcome(
      Matrix c,
      BlockPlan plan,
      long bytesSent,
      long bytesReceived,
      Map<String, Integer> tiles,
      List<TileTiming> timings) {}

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
   * @throws ApiError 503 {@code no_worker_available} when tiles remain and no capacity is left
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
   * @throws ApiError 409 {@code cancelled} when {@code progress} cancelled the product
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
    Job job = new Job(a, b, plan, progress);
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
    if (job.remaining.get() > 0) {
      String firstFailures;
      synchronized (job.failures) { // abandoned loops may still be adding
        firstFailures =
            String.join("; ", job.failures.subList(0, Math.min(5, job.failures.size())));
      }
      throw new ApiError(
          503,
          "no_worker_available",
          "",
          job.remaining.get()
              + " of "
              + plan.blocks().size()
              + " tiles could not be computed: every worker failed ("
              + firstFailures
              + ")");
    }
    List<TileTiming> timings;
    synchronized (job.timings) { // abandoned loops may still be adding
      timings = List.copyOf(job.timings);
    }
    return new Outcome(
        job.c, plan, job.bytesSent.get(), job.bytesReceived.get(), Map.copyOf(job.tiles), timings);
  }

  private static void throwIfCancelled(Progress progress) {
    if (progress.cancelled()) {
      throw new ApiError(409, "cancelled", "", "the product was cancelled");
    }
  }

  /**
   * Runs request loops on {@code workers} until every tile is placed, all of them gave up, or the
   * product is cancelled.
   */
  private static void run(Job job, List<WorkerClient> workers) {
    if (workers.isEmpty()) {
      return;
    }
    Round round = new Round(workers.size(), workers.size() * IN_FLIGHT_PER_WORKER);
    job.round = round;
    ExecutorService loops = Executors.newVirtualThreadPerTaskExecutor();
    try {
      for (WorkerClient worker : workers) {
        AtomicInteger failures = new AtomicInteger();
        for (int i = 0; i < IN_FLIGHT_PER_WORKER; i++) {
          boolean first = i == 0;
          loops.execute(() -> job.serve(worker, failures, round, first));
        }
      }
      // Polled rather than awaited outright: a cancelled product must not wait for slow calls.
      while (!round.finished.await(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
        if (job.progress.cancelled()) {
          break;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiError(503, "interrupted", "", "the product was interrupted");
    } finally {
      // Calls still running are stragglers whose tiles are done elsewhere: abandon them.
      loops.shutdownNow();
    }
  }

  /**
   * One set of request loops: opens when every tile is placed or every loop has given up. A
   * worker's further loops start once every worker's first loop has taken its first tile (or found
   * none), so that tiles spread over the workers before any worker gets a second one.
   */
  private static final class Round {
    final CountDownLatch finished = new CountDownLatch(1);
    final CountDownLatch firstTiles;
    final AtomicInteger liveLoops;

    Round(int workers, int loops) {
      this.firstTiles = new CountDownLatch(workers);
      this.liveLoops = new AtomicInteger(loops);
    }
  }

  /** The shared state of one product while its tiles are in flight. */
  private static final class Job {
    final Matrix a;
    final Matrix b;
    final Matrix c;
    final LinkedBlockingQueue<BlockPlan.Block> queue;
    final AtomicInteger remaining;
    final AtomicLong bytesSent = new AtomicLong();
    final AtomicLong bytesReceived = new AtomicLong();
    final Map<String, Integer> tiles = new ConcurrentHashMap<>();
    final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    final List<TileTiming> timings = Collections.synchronizedList(new ArrayList<>());
    final Set<Integer> done = ConcurrentHashMap.newKeySet();
    final Map<Integer, Long> startedAt = new ConcurrentHashMap<>();
    final Set<Integer> speculated = ConcurrentHashMap.newKeySet();
    final AtomicLong completedNanos = new AtomicLong();
    final AtomicInteger completed = new AtomicInteger();
    final Map<Integer, BlockPlan.Block> blocks = new ConcurrentHashMap<>();
    final Progress progress;

    volatile Round round;

    Job(Matrix a, Matrix b, BlockPlan plan, Progress progress) {
      this.progress = progress;
      this.a = a;
      this.b = b;
      this.c =
          a.dtype() == Dtype.F64
              ? Matrix.F64.zeros(a.rows(), b.cols())
              : Matrix.F32.zeros(a.rows(), b.cols());
      this.queue = new LinkedBlockingQueue<>(plan.blocks());
      this.remaining = new AtomicInteger(plan.blocks().size());
      plan.blocks().forEach(block -> blocks.put(block.index(), block));
    }

    /**
     * One request loop of one worker; returns when all tiles are done or the worker gave up. The
     * worker's {@code first} loop counts down {@link Round#firstTiles}; the others wait for it.
     */
    void serve(WorkerClient worker, AtomicInteger failures, Round round, boolean first) {
      boolean owesCount = first;
      try {
        while (!first && !round.firstTiles.await(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
          if (remaining.get() == 0 || progress.cancelled()) {
            return;
          }
        }
        while (remaining.get() > 0
            && failures.get() < MAX_WORKER_FAILURES
            && !progress.cancelled()) {
          // A tile may come back to the queue when another worker fails, so wait a little for it.
          BlockPlan.Block block = queue.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
          if (owesCount) {
            owesCount = false;
            round.firstTiles.countDown();
          }
          if (block == null) {
            block = straggler();
            if (block == null) {
              continue;
            }
          }
          if (compute(worker, block)) {
            failures.set(0);
          } else {
            failures.incrementAndGet();
            if (!done.contains(block.index())) {
              queue.add(block);
            }
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        if (owesCount) {
          round.firstTiles.countDown();
        }
        if (round.liveLoops.decrementAndGet() == 0) {
          round.finished.countDown();
        }
      }
    }

    /**
     * With nothing queued, an idle loop re-runs the oldest tile still in flight after more than
     * {@value #STRAGGLER_FACTOR} times the mean tile time (once per tile): the first answer wins,
     * so one slow worker cannot hold the whole product back.
     */
    private BlockPlan.Block straggler() {
      int finished = completed.get();
      if (finished == 0) {
        return null;
      }
      long threshold = STRAGGLER_FACTOR * (completedNanos.get() / finished);
      long now = System.nanoTime();
      return startedAt.entrySet().stream()
          .filter(e -> !done.contains(e.getKey()) && now - e.getValue() > threshold)
          .min(Map.Entry.comparingByValue())
          .filter(e -> speculated.add(e.getKey()))
          .map(e -> blocks.get(e.getKey()))
          .orElse(null);
    }

    private boolean compute(WorkerClient worker, BlockPlan.Block block) {
      WorkerClient.Body body = operands(block);
      bytesSent.addAndGet(body.length());
      long start = System.nanoTime();
      startedAt.putIfAbsent(block.index(), start);
      long[] answered = {0}; // the answer's length, once it is read into C
      boolean[] placed = {false};
      String problem = null;
      try {
        Reply reply =
            worker.call(
                "/v1/matmul",
                MatrixFrames.MEDIA_TYPE,
                body,
                (type, in, length) -> {
                  bytesReceived.addAndGet(length);
                  placed[0] = place(block, type, in, length);
                  answered[0] = length;
                });
        if (reply.status() != 200) {
          bytesReceived.addAndGet(reply.length());
          problem = "answered " + reply.status() + " " + abbreviate(reply.text());
        } else {
          double flops = 2.0 * block.rows() * a.cols() * block.cols();
          long bytes = body.length() + answered[0];
          timings.add(TileTiming.of(worker.name(), flops, reply, bytes, System.nanoTime() - start));
        }
      } catch (ApiError e) {
        problem = e.getMessage();
      } catch (IOException | RuntimeException e) {
        problem = e.toString();
      }
      if (placed[0]) {
        // Whatever failed after it, the tile is in C. Counted after its timing is recorded: the
        // caller may return as soon as the last tile is counted.
        counted(worker);
        problem = null;
      }
      if (problem == null) {
        completedNanos.addAndGet(System.nanoTime() - start);
        completed.incrementAndGet();
        return true;
      }
      startedAt.remove(block.index());
      String failure = worker.name() + " failed tile " + block.index() + ": " + problem;
      LOG.warn("{}; it goes back on the queue", failure);
      failures.add(failure);
      return false;
    }

    /** A tile's operands, A's row band then B's column band, streamed from A and B themselves. */
    private WorkerClient.Body operands(BlockPlan.Block block) {
      long length =
          MatrixFrames.frameBytes(a.dtype(), block.rows(), a.cols())
              + MatrixFrames.frameBytes(b.dtype(), b.rows(), block.cols());
      return new WorkerClient.Body() {
        @Override
        public long length() {
          return length;
        }

        @Override
        public void writeTo(OutputStream out) throws IOException {
          MatrixFrames.write(out, a, block.row0(), block.row1(), 0, a.cols());
          MatrixFrames.write(out, b, 0, b.rows(), block.col0(), block.col1());
        }
      };
    }

    /**
     * Reads a worker's tile, {@code length} bytes of {@code type}, into its place in C as it
     * arrives; false when another copy of the tile was placed first.
     *
     * @throws ApiError or IOException for an answer that does not fit or does not arrive whole
     */
    private boolean place(BlockPlan.Block block, String type, InputStream in, long length)
        throws IOException {
      if (!type.startsWith(MatrixFrames.MEDIA_TYPE)) {
        throw new IOException("answered 200 with " + abbreviate(type) + ", not a matrix frame");
      }
      if (!done.add(block.index())) {
        return false; // a copy that lost the race is no error; its bytes are left unread
      }
      try {
        // Tiles are disjoint, so placements need no lock.
        MatrixFrames.readInto(
            in, length, "C", c, block.row0(), block.col0(), block.rows(), block.cols());
      } catch (IOException | RuntimeException e) {
        done.remove(block.index()); // whatever was written is overwritten by the next answer
        throw e;
      }
      return true;
    }

    /** Counts a placed tile of {@code worker}'s, opening the round after the last one. */
    private void counted(WorkerClient worker) {
      tiles.merge(worker.name(), 1, Integer::sum);
      // The last decrement follows every placement, so the caller sees all of C after it.
      int left = remaining.decrementAndGet();
      progress.tileDone(blocks.size() - left, blocks.size(), bytesSent.get(), bytesReceived.get());
      if (left == 0) {
        round.finished.countDown();
      }
    }

    private static String abbreviate(String text) {
      return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }
  }
}
