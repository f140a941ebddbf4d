package dev.wasmgrid.llm.jvm;

import dev.wasmgrid.llm.Compute.RangeTask;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A persistent team of daemon threads that runs one job at a time over [0, rows): the caller and
 * the workers claim fixed-size chunks of rows from a shared counter until none is left, so a worker
 * that is late (asleep, or its core busy with another process) simply claims nothing and the caller
 * does its share; the caller waits only for chunks a worker has actually begun. Workers spin for a
 * short while after a job, since the next product of a token follows within microseconds, then
 * park. A job allocates nothing.
 *
 * <p>The claim counter holds the job's number in its high half and the next chunk in its low half.
 * Before the job's fields change, the caller seals the counter; a worker reads the fields, then
 * claims with a compare-and-set on the value it read before them, so a claim succeeds only if no
 * new job began in between (a seqlock): a late worker never runs a chunk of one job with another's
 * fields.
 */
final class RowTeam implements AutoCloseable {

  /** Work on a range of rows: [from, to). */
  @FunctionalInterface
  interface Work {
    void run(int from, int to);
  }

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

  /** Low half of a sealed claim counter: no chunk can be claimed. */
  private static final long SEALED = 0xFFFF_FFFFL;

  private final Worker[] workers;
  private final AtomicLong claim = new AtomicLong(SEALED);
  private final AtomicInteger done = new AtomicInteger();
  private final AtomicBoolean busy = new AtomicBoolean();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private volatile int job;
  private volatile boolean closed;
  private volatile Thread soloCaller;
  private volatile Thread failedOn;

  // The current job; written by the caller while the claim counter is sealed.
  private RangeTask work;
  private int rows;
  private int chunkRows;
  private int chunks;

  /** A team of {@code threads} threads: the caller of {@link #run} and {@code threads - 1} more. */
  RowTeam(int threads, String name) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }
    workers = new Worker[threads - 1];
    for (int i = 0; i < workers.length; i++) {
      workers[i] = new Worker();
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
      int next = job + 1;
      claim.set(((long) job << 32) | SEALED);
      VarHandle.storeStoreFence(); // the seal is visible before any field of the new job
      this.work = work;
      this.rows = rows;
      this.chunkRows = chunkRows;
      this.chunks = n;
      done.set(0);
      claim.set((long) next << 32);
      job = next;
      for (Worker w : workers) {
        if (w.parked) {
          LockSupport.unpark(w.thread);
        }
      }
      claimChunks();
      awaitDone(n);
      this.work = null;
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

  /** Claims and runs chunks of the open job until none is left. */
  private void claimChunks() {
    while (true) {
      long c = claim.get();
      int index = (int) c;
      if ((c & SEALED) == SEALED) {
        return;
      }
      RangeTask w = this.work;
      int size = chunkRows;
      int total = rows;
      int count = chunks;
      VarHandle.loadLoadFence(); // the fields above are read before the claim is checked again
      if (index >= count) {
        return;
      }
      if (!claim.compareAndSet(c, c + 1)) {
        continue;
      }
      try {
        if (failure.get() == null) {
          int from = index * size;
          w.run(from, Math.min(total, from + size));
        }
      } catch (RuntimeException | Error e) {
        if (failure.compareAndSet(null, e)) {
          failedOn = Thread.currentThread();
        }
      } finally {
        done.incrementAndGet();
      }
    }
  }

  private void awaitDone(int n) {
    long start = System.nanoTime();
    for (int spins = 0; done.get() != n; spins++) {
      // A worker preempted in its chunk can take a time slice to come back: leave it the core.
      if ((spins & 255) == 255 && System.nanoTime() - start > SPIN_NANOS) {
        LockSupport.parkNanos(this, 10_000);
      } else {
        Thread.onSpinWait();
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

  private final class Worker {
    Thread thread;
    volatile boolean parked;

    void loop() {
      int seen = 0;
      while (true) {
        int next = awaitJob(seen);
        if (closed) {
          return;
        }
        seen = next;
        claimChunks();
      }
    }

    /**
     * The next job's number once it differs from {@code seen}: spins briefly, then yields for a
     * while, then parks.
     */
    // The yield is measured, not hoped for: it lets the streams' threads run (see YIELD_NANOS).
    @SuppressWarnings("ThreadPriorityCheck")
    private int awaitJob(int seen) {
      long start = System.nanoTime();
      boolean yielding = false;
      for (int spins = 0; ; spins++) {
        int j = job;
        if (j != seen || closed) {
          return j;
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
        if (job == seen && !closed) {
          LockSupport.park(this);
        }
        parked = false;
      }
    }
  }
}
