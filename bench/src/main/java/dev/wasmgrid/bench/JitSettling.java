package dev.wasmgrid.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;

/**
 * Warm-ups that last until the JIT has settled. On two cores a compilation takes one of them: a
 * measurement that starts while C2 still has a backlog times its workload with a core short, and
 * more so the more threads the workload runs (stories15M decoding on two threads ran at ~1,400
 * tok/s for its first two seconds, while C2 worked through the team's methods, then at ~2,300).
 */
final class JitSettling {

  /**
   * Warm-up generations in a row without a compilation that end a model's warm-up; the first two
   * seconds of stories15M on two threads ran at 0.6 of its rate after.
   */
  private static final int QUIET_GENERATIONS = 2;

  /** Most warm-up generations of a model. */
  private static final int MAX_GENERATIONS = 40;

  /** No warm-up generation starts after this long. */
  private static final long GENERATIONS_BUDGET_NANOS = 4_000_000_000L;

  private JitSettling() {}

  /**
   * Runs {@code generation} (untimed: a model's decoding, alone or in streams) until the JIT has
   * settled: {@value #QUIET_GENERATIONS} runs in a row without a compilation, at most {@value
   * #MAX_GENERATIONS} and for about four seconds.
   */
  static void generations(Runnable generation) {
    run(generation, 1, MAX_GENERATIONS, QUIET_GENERATIONS, GENERATIONS_BUDGET_NANOS);
  }

  /**
   * Runs {@code step} {@code min} times, then on until the JIT has compiled nothing during {@code
   * quiet} steps in a row, at most {@code max} steps in all and no further step once {@code
   * budgetNanos} have passed (where the JVM cannot tell its compilation time, {@code min} steps);
   * returns the steps run.
   */
  static int run(Runnable step, int min, int max, int quiet, long budgetNanos) {
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    boolean watched = jit != null && jit.isCompilationTimeMonitoringSupported();
    long start = System.nanoTime();
    long compiled = watched ? jit.getTotalCompilationTime() : 0;
    int quietSteps = 0;
    int done = 0;
    while (done < min
        || (watched
            && quietSteps < quiet
            && done < max
            && System.nanoTime() - start < budgetNanos)) {
      step.run();
      done++;
      long now = watched ? jit.getTotalCompilationTime() : 0;
      quietSteps = now == compiled ? quietSteps + 1 : 0;
      compiled = now;
    }
    return done;
  }
}
