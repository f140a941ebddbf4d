package dev.wasmgrid.wasm.recycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.testing.TestModules;
import dev.wasmgrid.wasm.CompiledModule;
import dev.wasmgrid.wasm.ModuleLimits;
import dev.wasmgrid.wasm.WasmModules;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A state that alone takes more than the watermark is reported once, and swapped only when the
 * instance has grown halfway from it to the limit: before, every call past the watermark started a
 * standby, whose state was past it again (a swap after nearly every call, and no warning).
 */
class StateAboveWatermarkTest {

  /** 64 pages: a 4 MiB memory, its watermark at 2 MiB. */
  private static final CompiledModule HASH =
      WasmModules.compile(
          "hash", TestModules.bytes("stream_hash"), ModuleLimits.defaults().withMaxPages(64));

  @Test
  void aStateAboveTheWatermarkIsReportedNotSwappedAfterEveryCall() throws Exception {
    List<Long> reported = new ArrayList<>();
    RecycleListener listener =
        new RecycleListener() {
          @Override
          public void swapped(SwapReport report) {}

          @Override
          public void prepareFailed(String reason, boolean mismatch) {}

          @Override
          public void stateAboveWatermark(long stateBytes, long watermarkBytes) {
            reported.add(stateBytes);
            assertThat(watermarkBytes).isEqualTo(2L << 20);
          }
        };
    RecyclingPolicy policy =
        RecyclingPolicy.defaults(Set.of("xxh_ballast")).withWatermark(0.5).withSnapshots(false);
    try (RecyclingProxy proxy = new RecyclingProxy(HASH, policy, listener)) {
      assertThat(proxy.call("xxh_ballast", 2560)[0]).isPositive(); // 2.5 MiB of state
      // Joins the swap the watermark started, or (when that one is over) makes another.
      proxy.recycle().get(30, TimeUnit.SECONDS);
      long swaps = proxy.stats().swaps();
      assertThat(swaps).isBetween(1L, 2L);
      assertThat(proxy.stats().stateAboveWatermark()).isTrue();
      assertThat(proxy.stats().stateBytes()).isGreaterThanOrEqualTo(2560L << 10);
      assertThat(reported).hasSize(1);

      for (int i = 0; i < 30; i++) {
        proxy.call("free", 0);
        // A standby would have been started by the call, before it returned.
        assertThat(proxy.stats().preparing()).as("call %d started a standby", i).isFalse();
        assertThat(proxy.stats().swaps()).as("call %d", i).isEqualTo(swaps);
      }
      assertThat(reported).hasSize(1);
    }
  }
}
