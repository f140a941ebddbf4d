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

  /**
   * How long those quiet generations must last in all. Two short ones are no proof: with stories15M
   * on two threads, C2 compiled {@code Transformer.run} and {@code project} ~1.6 s into a run,
   * after quiet generations, and the generation it fell in ran at ~1,100 tok/s against ~2,500 (a
   * method compiled for one thread's passes is compiled again once two threads run it); the bench's
   * two-thread cells then came out anywhere from 0.97 to 1.42 times one thread's.
   */
  private static final long QUIET_NANOS = 600_000_000L;

  /** Most warm-up generations of a model. */
  private static final int MAX_GENERATIONS = 80;

  /** No warm-up generation starts after this long. */
  private static final long GENERATIONS_BUDGET_NANOS = 6_000_000_000L;

  private JitSettling() {}

  /**
   * Runs {@code generation} (untimed: a model's decoding, alone or in streams) until the JIT has
   * settled: {@value #QUIET_GENERATIONS} runs in a row and {@value #QUIET_NANOS} ns without a
   * compilation, at most {@value #MAX_GENERATIONS} and for about six seconds.
   */
  static void generations(Runnable generation) {
    run(generation, 1, MAX_GENERATIONS, QUIET_GENERATIONS, QUIET_NANOS, GENERATIONS_BUDGET_NANOS);
  }

  /**
   * Runs {@code step} {@code min} times, then on until the JIT has compiled nothing during {@code
   * quiet} steps in a row lasting {@code quietNanos} in all, at most {@code max} steps and no
   * further step once {@code budgetNanos} have passed (where the JVM cannot tell its compilation
   * time, {@code min} steps); returns the steps run.
   */
  static int run(Runnable step, int min, int max, int quiet, long quietNanos, long budgetNanos) {
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    boolean watched = jit != null && jit.isCompilationTimeMonitoringSupported();
    long start = System.nanoTime();
    long quietSince = start;
    long compiled = watched ? jit.getTotalCompilationTime() : 0;
    int quietSteps = 0;
    int done = 0;
    while (done < min
        || (watched
            && (quietSteps < quiet || System.nanoTime() - quietSince < quietNanos)
            && done < max
            && System.nanoTime() - start < budgetNanos)) {
      step.run();
      done++;
      long now = watched ? jit.getTotalCompilationTime() : 0;
      if (now == compiled) {
        quietSteps++;
      } else {
        quietSteps = 0;
        quietSince = System.nanoTime();
      }
      compiled = now;
    }
    return done;
  }
}
