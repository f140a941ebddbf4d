package dev.wasmgrid.sim;

import java.util.function.IntConsumer;

/**
 * Runs one phase of a tick for every partition and returns when all are done: the barrier between
 * phases. {@link #SEQUENTIAL} is the portable one (browser, tests); {@link ThreadPhases} runs the
 * partitions on JVM threads.
 */
public interface PhaseRunner extends AutoCloseable {

  /** Calls {@code task} for 0 .. partitions - 1 and waits for all of them. */
  void run(int partitions, IntConsumer task);

  @Override
  default void close() {}

  /** One partition after the other on the calling thread. */
  PhaseRunner SEQUENTIAL =
      (partitions, task) -> {
        for (int p = 0; p < partitions; p++) {
          task.accept(p);
        }
      };
}
