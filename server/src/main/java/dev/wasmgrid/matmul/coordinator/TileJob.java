package dev.wasmgrid.matmul.coordinator;

import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.grid.WorkTiming;
import dev.wasmgrid.grid.WorkerClient;
import dev.wasmgrid.grid.WorkerUnauthorizedException;
import dev.wasmgrid.http.Reply;
import dev.wasmgrid.matmul.Dtype;
import dev.wasmgrid.matmul.Matrix;
import dev.wasmgrid.matmul.wire.MatrixFrames;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared state of one {@link ScatterGather} product while its tiles are in flight: the tile
 * queue, the request loops that drain it, straggler copies, and placing answers in C.
 */
final class TileJob {
  private static final Logger LOG = LoggerFactory.getLogger(TileJob.class);

  /** Consecutive failures after which a worker takes no more tiles of this product. */
  static final int MAX_WORKER_FAILURES = 2;

  /** How long an idle loop waits for a tile to come back to the queue. */
  static final long POLL_MILLIS = 50;

  /** A tile in flight this many times the mean tile time is run again elsewhere. */
  static final int STRAGGLER_FACTOR = 3;

  final Matrix a;
  final Matrix b;
  final Matrix c;
  final LinkedBlockingQueue<BlockPlan.Block> queue;
  final AtomicInteger remaining;
  final AtomicLong bytesSent = new AtomicLong();
  final AtomicLong bytesReceived = new AtomicLong();
  final Map<String, Integer> tiles = new ConcurrentHashMap<>();
  final Map<String, Integer> taken = new ConcurrentHashMap<>();
  final List<String> failures = Collections.synchronizedList(new ArrayList<>());

  /** Workers that refused the coordinator's token: the job's failure is then theirs to name. */
  final Set<String> refusing = ConcurrentHashMap.newKeySet();

  final List<WorkTiming> timings = Collections.synchronizedList(new ArrayList<>());
  final Set<Integer> done = ConcurrentHashMap.newKeySet();
  final Map<Integer, Long> startedAt = new ConcurrentHashMap<>();

  /** Workers computing or having computed each tile: a copy never goes to one of them. */
  final Map<Integer, Set<String>> holders = new ConcurrentHashMap<>();

  final AtomicLong completedNanos = new AtomicLong();
  final AtomicInteger completed = new AtomicInteger();
  final Map<Integer, BlockPlan.Block> blocks = new ConcurrentHashMap<>();
  final ScatterGather.Progress progress;

  volatile Round round;

  TileJob(Matrix a, Matrix b, BlockPlan plan, ScatterGather.Progress progress) {
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
      while (remaining.get() > 0 && failures.get() < MAX_WORKER_FAILURES && !progress.cancelled()) {
        // No tile before every worker's first loop has taken its first: not another loop's, nor
        // a first loop's second (its first tile may be done before a loaded machine has even
        // started the other workers' loops).
        if (!owesCount && !firstTilesTaken(round)) {
          return;
        }
        // A tile may come back to the queue when another worker fails, so wait a little for it.
        BlockPlan.Block block = queue.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
        if (owesCount) {
          owesCount = false;
          round.firstTiles.countDown();
        }
        if (block == null) {
          block = straggler(worker.name());
          if (block == null) {
            continue;
          }
        } else {
          taken.merge(worker.name(), 1, Integer::sum);
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
   * {@value #STRAGGLER_FACTOR} times the mean tile time: the first answer wins, so one slow worker
   * cannot hold the whole product back. The copy goes only to a worker that has not held the tile:
   * a stalled or frozen worker's other loop would stall on it just the same.
   */
  private BlockPlan.Block straggler(String worker) {
    int finished = completed.get();
    if (finished == 0) {
      return null;
    }
    long threshold = STRAGGLER_FACTOR * (completedNanos.get() / finished);
    long now = System.nanoTime();
    return startedAt.entrySet().stream()
        .filter(e -> !done.contains(e.getKey()) && now - e.getValue() > threshold)
        .filter(e -> !holders.getOrDefault(e.getKey(), Set.of()).contains(worker))
        .sorted(Map.Entry.comparingByValue())
        .filter(
            e ->
                holders.computeIfAbsent(e.getKey(), k -> ConcurrentHashMap.newKeySet()).add(worker))
        .findFirst()
        .map(e -> blocks.get(e.getKey()))
        .orElse(null);
  }

  private boolean compute(WorkerClient worker, BlockPlan.Block block) {
    WorkerClient.Body body = operands(block);
    bytesSent.addAndGet(body.length());
    long start = System.nanoTime();
    startedAt.putIfAbsent(block.index(), start);
    holders.computeIfAbsent(block.index(), k -> ConcurrentHashMap.newKeySet()).add(worker.name());
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
        timings.add(WorkTiming.of(worker.name(), flops, reply, bytes, System.nanoTime() - start));
      }
    } catch (Failure e) {
      problem = e.getMessage();
    } catch (WorkerUnauthorizedException e) {
      refusing.add(worker.name());
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
   * Reads a worker's tile, {@code length} bytes of {@code type}, into its place in C as it arrives;
   * false when another copy of the tile was placed first.
   *
   * @throws Failure or IOException for an answer that does not fit or does not arrive whole
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

  /** Waits for every worker's first tile; false when the job ended or was cancelled first. */
  private boolean firstTilesTaken(Round round) throws InterruptedException {
    while (!round.firstTiles.await(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
      if (remaining.get() == 0 || progress.cancelled()) {
        return false;
      }
    }
    return true;
  }

  private static String abbreviate(String text) {
    return text.length() <= 200 ? text : text.substring(0, 200) + "...";
  }

  /**
   * One set of request loops: opens when every tile is placed or every loop has given up. No loop
   * takes a tile, beyond each worker's first loop its first, until every worker's first loop has
   * taken its first tile (or found none), so that tiles spread over the workers before any worker
   * gets a second one.
   */
  static final class Round {
    final CountDownLatch finished = new CountDownLatch(1);
    final CountDownLatch firstTiles;
    final AtomicInteger liveLoops;

    Round(int workers, int loops) {
      this.firstTiles = new CountDownLatch(workers);
      this.liveLoops = new AtomicInteger(loops);
    }
  }
}
