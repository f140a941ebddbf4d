package dev.wasmgrid.wasm.recycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.testing.TestModules;
import dev.wasmgrid.wasm.CallOutput;
import dev.wasmgrid.wasm.CompiledModule;
import dev.wasmgrid.wasm.ModuleLimits;
import dev.wasmgrid.wasm.WasmModules;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A WASI module (C against wasi-libc) behind the recycling proxy: its random bytes are seeded per
 * module, so state-building calls that draw them replay identically on a fresh instance; its output
 * reaches the caller; and {@code proc_exit} retires the instance whatever the trap policy.
 */
class WasiRecyclingTest {

  private static final CompiledModule WASI =
      WasmModules.compile("wasi", TestModules.bytes("wasi_text"), ModuleLimits.defaults());

  @Test
  void callsDrawingRandomBytesReplayIdentically() throws Exception {
    RecyclingPolicy policy = RecyclingPolicy.defaults(Set.of("random64")).withSnapshots(false);
    try (RecyclingProxy proxy = new RecyclingProxy(WASI, policy, RecycleListener.NONE)) {
      for (int i = 0; i < 3; i++) {
        proxy.call("random64");
      }
      for (int swap = 0; swap < 3; swap++) {
        SwapReport report = proxy.recycle().get(30, TimeUnit.SECONDS);
        assertThat(report.method()).isEqualTo(SwapMethod.REPLAY);
      }
      assertThat(proxy.stats().replayMismatches()).isZero();
      assertThat(proxy.stats().failedPrepares()).isZero();
      assertThat(proxy.stats().swaps()).isEqualTo(3);
    }
  }

  @Test
  void aSnapshotSwapGoesOnWithTheSameRandomBytes() throws Exception {
    RecyclingPolicy policy = RecyclingPolicy.defaults(Set.of("random64"));
    try (RecyclingProxy proxy = new RecyclingProxy(WASI, policy, RecycleListener.NONE)) {
      proxy.call("random64");
      proxy.call("random64");
      assertThat(proxy.recycle().get(30, TimeUnit.SECONDS).method()).isEqualTo(SwapMethod.REPLAY);
      proxy.call("random64");
      proxy.call("random64");
      // The golden snapshot, then the two newer calls replayed: they must draw what they drew.
      assertThat(proxy.recycle().get(30, TimeUnit.SECONDS).method()).isEqualTo(SwapMethod.SNAPSHOT);
      assertThat(proxy.stats().replayMismatches()).isZero();
      assertThat(proxy.stats().failedPrepares()).isZero();
    }
  }

  @Test
  void outputReachesTheCallerAndAnExitIsNoFailure() {
    RecyclingPolicy policy =
        RecyclingPolicy.defaults(Set.of("random64")).withOnTrap(TrapPolicy.FAIL_CLOSED);
    try (RecyclingProxy proxy = new RecyclingProxy(WASI, policy, RecycleListener.NONE)) {
      AtomicReference<CallOutput> output = new AtomicReference<>();
      assertThat(proxy.call("greet", output::set, 4)).containsExactly(8);
      assertThat(output.get().stdout()).isEqualTo("hello 4 from wasi-libc\n");
      assertThat(proxy.call("quit", output::set, 0)).isEmpty();
      assertThat(output.get().exitCode()).hasValue(0);
      // The exited instance is rebuilt from the log, not counted as a failure.
      assertThat(proxy.call("greet", output::set, 5)).containsExactly(10);
      assertThat(output.get().stdout()).isEqualTo("hello 5 from wasi-libc\n");
      assertThat(proxy.stats().failed()).isFalse();
    }
  }
}
