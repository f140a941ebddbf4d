package dev.wasmgrid.wasm.recycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wasmgrid.wasm.CompiledModule;
import dev.wasmgrid.wasm.WasmCallException;
import dev.wasmgrid.wasm.WasmCallException.Code;
import dev.wasmgrid.wasm.WasmModules;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What a trap does to a stateful module under each policy. */
class TrapPolicyTest {

  private static RecyclingProxy proxy(TrapPolicy policy) {
    return new RecyclingProxy(
        RecyclingProxyTest.PROVER,
        RecyclingProxyTest.proverPolicy().withOnTrap(policy),
        RecycleListener.NONE);
  }

  private static void assertTraps(RecyclingProxy proxy) {
    assertThatThrownBy(() -> proxy.call("boom"))
        .isInstanceOfSatisfying(
            WasmCallException.class, e -> assertThat(e.code()).isEqualTo(Code.TRAP));
  }

  @Test
  void reloadReplacesTheInstanceWithItsStateAndTheNextCallSucceeds() {
    try (RecyclingProxy proxy = proxy(TrapPolicy.RELOAD)) {
      long handle = proxy.call("setup", 1)[0];
      proxy.call("prove", handle, 128);
      assertTraps(proxy);
      assertThat(proxy.stats().generation()).isEqualTo(2);
      assertThat(proxy.call("prove", handle, 0)[0]).isEqualTo(RecyclingProxyTest.proof(1));
      assertThat(proxy.call("div", 7, 2)[0]).isEqualTo(3);
    }
  }

  private static final int TRAPS = 400;

  /**
   * A caller that keeps finding broken instances gives up after a call timeout (the contract); the
   * storm below may take longer than the default 10 s on a loaded machine, so its module has more.
   */
  private static final Duration PATIENT = Duration.ofMinutes(3);

  @Test
  void trapsUnderReloadFailOnlyThemselvesWhileOtherCallersCarryOn() throws Exception {
    long expected = RecyclingProxyTest.proof(1);
    CompiledModule prover =
        WasmModules.bundled("prover", RecyclingProxyTest.LIMITS.withCallTimeout(PATIENT));
    try (RecyclingProxy proxy =
            new RecyclingProxy(
                prover,
                RecyclingProxyTest.proverPolicy().withOnTrap(TrapPolicy.RELOAD),
                RecycleListener.NONE);
        ExecutorService threads = Executors.newFixedThreadPool(4)) {
      long handle = proxy.call("setup", 1)[0];
      List<Future<Integer>> callers = new ArrayList<>();
      for (int t = 0; t < 3; t++) {
        callers.add(
            threads.submit(
                () -> {
                  for (int i = 0; i < 3000; i++) {
                    assertThat(proxy.call("prove", handle, 0)[0]).isEqualTo(expected);
                  }
                  return 3000;
                }));
      }
      // Enough traps that the trapping thread, which re-enters each fresh instance before a caller
      // woken from the reload can, breaks more instances under one caller than any retry count.
      Future<Integer> trapper =
          threads.submit(
              () -> {
                for (int i = 0; i < TRAPS; i++) {
                  assertTraps(proxy);
                }
                return TRAPS;
              });
      for (Future<Integer> caller : callers) {
        assertThat(caller.get(PATIENT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(3000);
      }
      assertThat(trapper.get(PATIENT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(TRAPS);
      assertThat(proxy.stats().generation()).isEqualTo(TRAPS + 1);
    }
  }

  @Test
  void failClosedRefusesEveryLaterCall() {
    try (RecyclingProxy proxy = proxy(TrapPolicy.FAIL_CLOSED)) {
      long handle = proxy.call("setup", 1)[0];
      assertTraps(proxy);
      assertThatThrownBy(() -> proxy.call("prove", handle, 0))
          .isInstanceOfSatisfying(
              WasmCallException.class, e -> assertThat(e.code()).isEqualTo(Code.MODULE_FAILED))
          .hasMessageContaining("fail-closed");
      assertThat(proxy.stats().failed()).isTrue();
    }
  }

  @Test
  void failOpenKeepsServingFromTheSameInstance() {
    try (RecyclingProxy proxy = proxy(TrapPolicy.FAIL_OPEN)) {
      long handle = proxy.call("setup", 1)[0];
      proxy.call("prove", handle, 128);
      long leaked = proxy.stats().memoryBytes();
      assertTraps(proxy);
      assertThat(proxy.call("prove", handle, 0)[0]).isEqualTo(RecyclingProxyTest.proof(1));
      assertThat(proxy.stats().generation()).isEqualTo(1);
      assertThat(proxy.stats().memoryBytes()).isEqualTo(leaked);
    }
  }

  @Test
  void argumentErrorsDoNotTouchTheInstance() {
    try (RecyclingProxy proxy = proxy(TrapPolicy.FAIL_CLOSED)) {
      assertThatThrownBy(() -> proxy.call("div", 1))
          .isInstanceOfSatisfying(
              WasmCallException.class, e -> assertThat(e.code()).isEqualTo(Code.WRONG_ARGUMENTS));
      assertThatThrownBy(() -> proxy.call("missing"))
          .isInstanceOfSatisfying(
              WasmCallException.class, e -> assertThat(e.code()).isEqualTo(Code.MISSING_EXPORT));
      assertThat(proxy.call("div", 9, 3)[0]).isEqualTo(3);
      assertThat(proxy.stats().failed()).isFalse();
    }
  }
}
