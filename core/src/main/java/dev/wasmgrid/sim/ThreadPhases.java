package dev.wasmgrid.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;

/**
 * {@link PhaseRunner} on JVM platform threads, one per partition (JVM only: the browser runs
 * partitions in Web Workers instead). Waiting for every future is the barrier; it also publishes
 * each partition's writes to the next phase's readers.
 */
public final class ThreadPhases implements PhaseRunner {

  private final ExecutorService pool;

  /** A pool of {@code threads} daemon threads. */
  public ThreadPhases(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }
    pool =
        Executors.newFixedThreadPool(
            threads,
            r -> {
              Thread t = new Thread(r, "sim-partition");
              t.setDaemon(true);
              return t;
            });
  }

  @Override
  public void run(int partitions, IntConsumer task) {
    List<Future<?>> done = new ArrayList<>(partitions);
    // The caller computes partition 0 itself: one hand-off fewer per phase.
    for (int p = 1; p < partitions; p++) {
      int part = p;
      done.add(pool.submit(() -> task.accept(part)));
    }
    RuntimeException failure = null;
    try {
      task.accept(0);
    } catch (RuntimeException e) {
      failure = e;
    }
    for (Future<?> f : done) {
      try {
        f.get();
      } catch (ExecutionException e) {
        if (failure == null) {
          failure = new IllegalStateException("partition failed: " + e.getCause(), e.getCause());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for partitions", e);
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
