package dev.wasmgrid.llm.jvm;

import dev.wasmgrid.llm.Compute.RangeTask;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A persistent team of daemon threads that runs one job at a time over [0, rows) in fixed-size
 * chunks: with {@code t} threads taking part, thread {@code i} (the caller is 0) owns the {@code
 * i}-th of {@code t} contiguous shares of the chunks, so each thread reads the same rows job after
 * job. The caller posts each worker the job in the worker's own mailbox, runs its own share, then
 * for each worker either takes the worker's chunks, if the worker has not joined the job yet
 * (asleep, or its core busy with another process), or waits for it to finish. Where the shares hold
 * several chunks, a thread that has run its own claims the chunks left in the others' shares, so
 * the job ends when the work does, not when the slower core is done with half of it. Workers spin
 * for a short while after a job, since the next product of a token follows within microseconds,
 * then yield, then park. A job allocates nothing.
 *
 * <p>A job is handed over through each worker's own mailbox, a few fields side by side: the caller
 * writes the job there, the worker joins it with a compare-and-set on the job's number and marks it
 * finished there. With one counter that every thread claimed chunks from and another that counted
 * them done (two lines each thread wrote), an empty two-thread job took 540–800 ns on 2 Zen 5 cores
 * and a job of two ~2.2 µs chunks 3.5–3.9 µs; with the mailboxes 140–280 ns and 3.25 µs (stories15M
 * Q4_0 on 2 threads, the team on every pass: ~0.985× the time per token). A worker reads the job
 * before it joins; the join fails if the caller has closed the job to it, so it never runs a chunk
 * of one job with another's fields: the caller posts the next job only once every worker has joined
 * and finished this one, or been shut out of it. Each share's next chunk is a counter of its own,
 * 128 bytes from the others, which only a thread that has run out of chunks touches besides its
 * owner.
 */
final class RowTeam implements AutoCloseable {

  /**
   * How long an idle worker polls for the next job before it starts to yield. A token's products
   * follow each other within a few microseconds to a few tens (norms, attention, sampling between
   * them), and waking a parked thread costs about as much as a small product.
   */
  private static final long SPIN_NANOS = 200_000;

  /**
   * How long an idle worker yields its core between polls before it parks. This spans the gap
   * between two passes of concurrent streams (~0.4 ms for eight while their threads chose their
   * tokens; ~0.1 ms since the pass's threads choose them, but a prompt's pass still waits for its
   * caller), yielding the core to the streams' threads: a worker parked there came late to the next
   * pass, often a millisecond or more (a halted virtual CPU woken), and the caller ran most of its
   * rows alone; one that only polled held a core the streams' threads needed. Against parking after
   * 0.2 ms, eight streams of stories110M took 0.89× the time per step (2 cores, two builds
   * alternating in one JVM); against polling for 2 ms, 0.85–1.0×, two streams 0.85–1.03×, one 0.94×
   * (measured before the tokens were chosen in the pass).
   */
  private static final long YIELD_NANOS = 2_000_000;

  /** Longs from one share's counters to the next: 128 bytes, a pair of cache lines. */
  private static final int STRIDE = 16;

  private static final VarHandle CURSOR = MethodHandles.arrayElementVarHandle(long[].class);

  private final Worker[] workers;
  // Share i's next chunk at i · STRIDE, the chunk after its last at i · STRIDE + 1; reset by the
  // caller before each post, claimed with getAndAdd by the share's owner and, once they have run
  // out, by the others.
  private final long[] shares;
  private final AtomicBoolean busy = new AtomicBoolean();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private volatile boolean closed;
  private volatile Thread soloCaller;
  private volatile Thread failedOn;
  // The last job's number; read and written only by the caller that holds `busy`.
  private long job;

  /** A team of {@code threads} threads: the caller of {@link #run} and {@code threads - 1} more. */
  RowTeam(int threads, String name) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }
    workers = new Worker[threads - 1];
    shares = new long[threads * STRIDE];
    for (int i = 0; i < workers.length; i++) {
      workers[i] = new Worker(i + 1);
      workers[i].thread =
          Thread.ofPlatform().daemon().name(name + "-" + (i + 1)).start(workers[i]::loop);
    }
  }

  /** Threads that take part in a job, the caller's included. */
  int threads() {
    return workers.length + 1;
  }

  /**
   * Runs {@code work} over [0, rows) in chunks of {@code chunkRows} (the last may be shorter), each
   * chunk on one thread, and returns when all are done. Runs on the caller alone when there is one
   * chunk, when the team is closed, when the caller is the one {@link #soloFor} names, or when
   * another job is in flight (a second caller never waits for the first).
   *
   * @throws IllegalStateException when a worker's chunk threw (the cause); a chunk the caller ran
   *     throws its own exception unchanged. The other chunks are skipped once one has failed.
   */
  void run(int rows, int chunkRows, RangeTask work) {
    int n = (int) (((long) rows + chunkRows - 1) / chunkRows);
    if (n <= 1
        || workers.length == 0
        || closed
        || soloCaller == Thread.currentThread()
        || !busy.compareAndSet(false, true)) {
      work.run(0, rows);
      return;
    }
    try {
      long number = ++job;
      int threads = Math.min(n, workers.length + 1);
      if (severalPerShare(rows, chunkRows, threads)) {
        for (int i = 0; i < threads; i++) {
          shares[i * STRIDE] = (long) n * i / threads;
          shares[i * STRIDE + 1] = (long) n * (i + 1) / threads;
        }
      }
      for (int i = 1; i < threads; i++) {
        workers[i - 1].post(number, work, rows, chunkRows, threads);
      }
      runShares(work, rows, chunkRows, 0, threads);
      for (int i = 1; i < threads; i++) {
        Worker w = workers[i - 1];
        // Shut out, the worker never runs this job's chunks: the caller claims what is left.
        if (w.take(number)) {
          runOwn(work, rows, chunkRows, i, threads);
        } else {
          w.awaitFinished(number);
        }
      }
      Throwable f = failure.getAndSet(null);
      if (f != null) {
        throw rethrown(f);
      }
    } finally {
      busy.set(false);
    }
  }

  /**
   * Makes {@code caller}'s jobs run on it alone until this is called again ({@code null}: none):
   * the workers stay parked meanwhile.
   */
  void soloFor(Thread caller) {
    soloCaller = caller;
  }

  /**
   * Thread {@code index}'s share of a job shared by {@code threads}, then, where shares hold
   * several chunks, what is left of the others' (when every share is one chunk, a share left
   * unclaimed is the caller's to take back whole, and the workers never touch another's counter).
   */
  private void runShares(RangeTask work, int rows, int chunkRows, int index, int threads) {
    runOwn(work, rows, chunkRows, index, threads);
    if (severalPerShare(rows, chunkRows, threads)) {
      for (int k = 1; k < threads; k++) {
        runShare(work, rows, chunkRows, (index + k) % threads);
      }
    }
  }

  /**
   * Share {@code s}: its one chunk run straight, where every share is one (the share's owner or the
   * caller that shut it out runs it, never both), else claimed chunk by chunk.
   */
  private void runOwn(RangeTask work, int rows, int chunkRows, int s, int threads) {
    if (severalPerShare(rows, chunkRows, threads)) {
      runShare(work, rows, chunkRows, s);
    } else {
      runChunk(work, rows, chunkRows, s);
    }
  }

  /**
   * Whether a job's shares hold several chunks each, so that each share's counter is reset, claimed
   * from and stolen from; where every share is one chunk its owner (or the caller) runs it
   * straight.
   */
  private static boolean severalPerShare(int rows, int chunkRows, int threads) {
    return (long) rows > (long) chunkRows * threads;
  }

  /** Claims and runs chunks of share {@code s} until it has none left. */
  private void runShare(RangeTask work, int rows, int chunkRows, int s) {
    int at = s * STRIDE;
    long end = shares[at + 1];
    for (long c; (c = (long) CURSOR.getAndAdd(shares, at, 1L)) < end; ) {
      runChunk(work, rows, chunkRows, c);
    }
  }

  /** Chunk {@code c}, unless one has failed (chunks after a failure are claimed but not run). */
  private void runChunk(RangeTask work, int rows, int chunkRows, long c) {
    if (failure.get() != null) {
      return;
    }
    try {
      long from = c * chunkRows;
      work.run((int) from, (int) Math.min(rows, from + chunkRows));
    } catch (RuntimeException | Error e) {
      if (failure.compareAndSet(null, e)) {
        failedOn = Thread.currentThread();
      }
    }
  }

  /** The caller's own exception as it was; a worker's wrapped, so the caller's stack shows. */
  private RuntimeException rethrown(Throwable f) {
    if (failedOn == Thread.currentThread()) {
      if (f instanceof Error e) {
        throw e;
      }
      return (RuntimeException) f;
    }
    return new IllegalStateException(
        "a row range failed on " + failedOn.getName() + ": " + f.getMessage(), f);
  }

  /** Stops the workers and waits for them to end; later jobs run on the caller alone. */
  @Override
  public void close() {
    closed = true;
    for (Worker w : workers) {
      LockSupport.unpark(w.thread);
    }
    boolean interrupted = false;
    for (Worker w : workers) {
      while (w.thread.isAlive()) {
        try {
          w.thread.join();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** A worker thread and its mailbox: the job posted to it, joined and finished. */
  private final class Worker {
    private static final VarHandle TAKEN;

    static {
      try {
        TAKEN = MethodHandles.lookup().findVarHandle(Worker.class, "taken", long.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    final int index;
    Thread thread;
    volatile boolean parked;
    // The posted job's number, written by the caller after the job's fields.
    volatile long posted;
    RangeTask work;
    int rows;
    int chunkRows;
    int threads;

    // The number of the last job the worker joined or the caller shut it out of.
    @SuppressWarnings("unused") // through TAKEN
    private volatile long taken;

    private volatile long finished;

    Worker(int index) {
      this.index = index;
    }

    void post(long number, RangeTask work, int rows, int chunkRows, int threads) {
      this.work = work;
      this.rows = rows;
      this.chunkRows = chunkRows;
      this.threads = threads;
      posted = number;
      if (parked) {
        LockSupport.unpark(thread);
      }
    }

    /** Joins job {@code number} (the worker) or shuts the worker out of it (the caller), once. */
    boolean take(long number) {
      long last = (long) TAKEN.getVolatile(this);
      return last < number && TAKEN.compareAndSet(this, last, number);
    }

    void awaitFinished(long number) {
      long start = System.nanoTime();
      for (int spins = 0; finished != number; spins++) {
        // A worker preempted in its chunk can take a time slice to come back: leave it the core.
        if ((spins & 255) == 255 && System.nanoTime() - start > SPIN_NANOS) {
          LockSupport.parkNanos(this, 10_000);
        } else {
          Thread.onSpinWait();
        }
      }
    }

    void loop() {
      long seen = 0;
      while (true) {
        long number = awaitPost(seen);
        if (closed) {
          return;
        }
        seen = number;
        // Read before the join: if it succeeds, the caller has not posted another job.
        RangeTask w = work;
        int total = rows;
        int size = chunkRows;
        int sharing = threads;
        if (take(number)) {
          try {
            runShares(w, total, size, index, sharing);
          } finally {
            // The task not kept reachable past its job (one the worker was shut out of stays until
            // the next post); the caller posts the next job only after `finished`.
            work = null;
            finished = number;
          }
        }
      }
    }

    /**
     * The number of the next job posted once it differs from {@code seen}: spins briefly, then
     * yields for a while, then parks.
     */
    // The yield is measured, not hoped for: it lets the streams' threads run (see YIELD_NANOS).
    @SuppressWarnings("ThreadPriorityCheck")
    private long awaitPost(long seen) {
      long start = System.nanoTime();
      boolean yielding = false;
      for (int spins = 0; ; spins++) {
        long number = posted;
        if (number != seen || closed) {
          return number;
        }
        if (!yielding && (spins & 255) != 255) {
          Thread.onSpinWait();
          continue;
        }
        long idle = System.nanoTime() - start;
        if (idle < SPIN_NANOS) {
          continue;
        }
        if (idle < YIELD_NANOS) {
          yielding = true;
          Thread.yield();
          continue;
        }
        parked = true;
        if (posted == seen && !closed) {
          LockSupport.park(this);
        }
        parked = false;
      }
    }
  }
}
