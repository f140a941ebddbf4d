package dev.wasmgrid.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class JitSettlingTest {

  @Test
  void theMinimumRunsWhateverTheBudgetAndNothingRunsPastTheMaximum() {
    AtomicInteger steps = new AtomicInteger();
    assertThat(JitSettling.run(steps::incrementAndGet, 3, 50, 1_000, 0, 0)).isEqualTo(3);
    assertThat(steps).hasValue(3);
    steps.set(0);
    // Quiet for longer than the maximum allows: the maximum ends it.
    assertThat(JitSettling.run(steps::incrementAndGet, 1, 7, 1_000, 0, Long.MAX_VALUE))
        .isEqualTo(7);
    assertThat(steps).hasValue(7);
  }

  @Test
  void itEndsOnceTheJitHasBeenQuietForTheAskedSteps() {
    AtomicInteger steps = new AtomicInteger();
    int done = JitSettling.run(steps::incrementAndGet, 1, 10_000_000, 5, 0, Long.MAX_VALUE);
    // A counter's increment compiles within milliseconds: far fewer steps than the maximum (some
    // seconds of them), and at least the quiet ones.
    assertThat(done).isEqualTo(steps.get()).isBetween(5, 9_999_999);
  }

  @Test
  void theQuietStepsMustAlsoLastTheQuietTime() {
    AtomicInteger steps = new AtomicInteger();
    long quietNanos = 50_000_000L;
    long start = System.nanoTime();
    JitSettling.run(steps::incrementAndGet, 1, Integer.MAX_VALUE, 2, quietNanos, Long.MAX_VALUE);
    // Two quiet increments take microseconds; the warm-up goes on until the JIT has been quiet
    // for the quiet time.
    assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(quietNanos);
  }
}
