package dev.wasmgrid.wasm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

/** Each failure of a call has its code, names the export, and fails that call only. */
class CallFailuresTest {

  private static final CompiledModule PROVER =
      WasmModules.bundled(
          "prover",
          ModuleLimits.defaults().withMaxPages(64).withCallTimeout(Duration.ofMillis(200)));

  private static AbstractThrowableAssert<?, ?> failsWith(
      WasmCallException.Code code, Runnable call) {
    return assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(WasmCallException.class, e -> assertThat(e.code()).isEqualTo(code));
  }

  @Test
  void unknownExportsAndNonFunctionsAreMissingExports() {
    try (WasmInstance prover = PROVER.instantiate()) {
      failsWith(WasmCallException.Code.MISSING_EXPORT, () -> prover.call("nope"))
          .hasMessageContaining("'nope'");
      failsWith(WasmCallException.Code.MISSING_EXPORT, () -> prover.call("memory"));
      assertThat(prover.broken()).isFalse();
    }
  }

  @Test
  void argumentsMustMatchTheSignatureInCountAndType() {
    try (WasmInstance prover = PROVER.instantiate()) {
      failsWith(WasmCallException.Code.WRONG_ARGUMENTS, () -> prover.call("setup"))
          .hasMessageContaining("'setup' (i32) -> (i32)")
          .hasMessageContaining("takes 1 arguments, got 0");
      failsWith(WasmCallException.Code.WRONG_ARGUMENTS, () -> prover.call("prove", 1, 2, 3));
      failsWith(WasmCallException.Code.WRONG_ARGUMENTS, () -> prover.call("setup", 1L << 40))
          .hasMessageContaining("argument 0 (i32)");
      assertThat(prover.broken()).isFalse();
      assertThat(prover.call("spin", 1L << 40 >> 30)[0]).isEqualTo(1023L * 1024 / 2);
    }
  }

  @Test
  void aTrapFailsTheCallAndBreaksTheInstance() {
    WasmInstance prover = PROVER.instantiate();
    failsWith(WasmCallException.Code.TRAP, () -> prover.call("boom"))
        .hasMessageContaining("'boom'");
    assertThat(prover.broken()).isTrue();
    failsWith(WasmCallException.Code.BROKEN_INSTANCE, () -> prover.call("spin", 1));
    failsWith(WasmCallException.Code.BROKEN_INSTANCE, () -> prover.read(0, 1));
    prover.close();
    try (WasmInstance fresh = PROVER.instantiate()) {
      failsWith(WasmCallException.Code.TRAP, () -> fresh.call("div", 1, 0))
          .hasMessageContaining("'div'");
    }
    try (WasmInstance fresh = PROVER.instantiate()) {
      assertThat(fresh.call("div", 7, -2)[0]).isEqualTo(-3);
    }
  }

  @Test
  void accessesOutsideTheMemoryAreOutOfBounds() {
    try (WasmInstance prover = PROVER.instantiate()) {
      long size = prover.memoryBytes();
      failsWith(WasmCallException.Code.OUT_OF_BOUNDS, () -> prover.read((int) size - 4, 8));
      failsWith(WasmCallException.Code.OUT_OF_BOUNDS, () -> prover.read(-1, 1));
      assertThat(prover.broken()).as("a host-side check breaks nothing").isFalse();
      failsWith(
              WasmCallException.Code.OUT_OF_BOUNDS, () -> prover.call("reverse", size - 4, 100, 0))
          .hasMessageContaining("'reverse'");
      assertThat(prover.broken()).isTrue();
    }
  }

  @Test
  void memoryPastTheLimitIsRefusedToTheGuestAndToTheHost() {
    try (WasmInstance prover = PROVER.instantiate()) { // 64 pages = 4 MiB
      // The guest's memory.grow returns -1; prover's setup then returns its failure value, 0.
      assertThat(prover.call("grow", 1000)[0]).isEqualTo(-1);
      assertThat(prover.call("setup", 8)[0]).isZero();
      assertThat(prover.memoryBytes()).isLessThanOrEqualTo(64 * 65536L);
      // The guest saw a failed grow, as wasm defines it: that breaks nothing.
      assertThat(prover.broken()).isFalse();
      int handle = (int) prover.call("setup", 1)[0];
      assertThat(prover.call("prove", handle, 0)[0]).isEqualTo(ProverModuleTest.expectedProof(1));
      // The host's buffers come from the guest's alloc: past the limit, memory_limit, and the
      // instance is broken so that it is replaced, rather than refusing every later buffer.
      failsWith(WasmCallException.Code.MEMORY_LIMIT, () -> prover.write(new byte[8 << 20]))
          .hasMessageContaining("64 pages");
      assertThat(prover.broken()).isTrue();
    }
  }

  @Test
  void anEndlessLoopTimesOutQuicklyAndAFreshInstanceStillWorks() {
    WasmInstance prover = PROVER.instantiate();
    long start = System.nanoTime();
    failsWith(WasmCallException.Code.TIMEOUT, () -> prover.call("spin", -1))
        .hasMessageContaining("'spin'")
        .hasMessageContaining("200 ms");
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(took).isBetween(Duration.ofMillis(200), Duration.ofSeconds(1));
    assertThat(Thread.currentThread().isInterrupted()).isFalse();
    assertThat(prover.broken()).isTrue();
    prover.close();
    try (WasmInstance fresh = PROVER.instantiate()) {
      assertThat(fresh.call("spin", 1000)[0]).isEqualTo(499_500);
    }
  }
}
