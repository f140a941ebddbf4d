package dev.wasmgrid.wasm.recycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wasmgrid.wasm.CompiledModule;
import dev.wasmgrid.wasm.ModuleLimits;
import dev.wasmgrid.wasm.WasmInstance;
import dev.wasmgrid.wasm.WasmModules;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The recycling proxy on the prover module: swaps by memory, replay, snapshots, handles. */
class RecyclingProxyTest {

  /** 16 MiB per instance: a few MiB of state and a leak per call reach the watermark quickly. */
  static final ModuleLimits LIMITS = ModuleLimits.defaults().withMaxPages(256);

  static final CompiledModule PROVER = WasmModules.bundled("prover", LIMITS);

  static RecyclingPolicy proverPolicy() {
    return RecyclingPolicy.defaults(Set.of("setup", "setup_unstable"))
        .withHandles(Map.of("prove", List.of(0), "state_digest", List.of(0)), "state_digest");
  }

  /** prove(setup(mib), 0) on a plain instance of its own: the answer the proxy must give. */
  static long proof(int mib) {
    try (WasmInstance plain = PROVER.instantiate()) {
      return plain.call("prove", plain.call("setup", mib)[0], 0)[0];
    }
  }

  @Test
  void leakingCallsPassTheWatermarkAndTheInstanceIsSwappedWithItsMemoryBackToBaseline()
      throws Exception {
    long expected = proof(4);
    try (RecyclingProxy proxy = new RecyclingProxy(PROVER, proverPolicy(), RecycleListener.NONE)) {
      long handle = proxy.call("setup", 4)[0];
      long baseline = proxy.stats().memoryBytes();
      // 256 KiB leaked per call: the 0.6 watermark (9.6 MiB) is passed after ~22 calls.
      for (int i = 0; i < 60 && proxy.stats().swaps() == 0; i++) {
        assertThat(proxy.call("prove", handle, 256)[0]).isEqualTo(expected);
      }
      // Joins a swap still being finished, if any: either way, the instance is fresh after it.
      SwapReport forced = proxy.recycle().get(30, TimeUnit.SECONDS);
      RecyclerStats stats = proxy.stats();
      assertThat(stats.swaps()).isGreaterThanOrEqualTo(1);
      assertThat(stats.failedPrepares()).isZero();
      assertThat(stats.memoryBytes()).isEqualTo(baseline);
      assertThat(forced.memoryAfter()).isEqualTo(baseline);
      assertThat(stats.generation()).isEqualTo((int) stats.swaps() + 1);
      assertThat(proxy.call("prove", handle, 0)[0]).isEqualTo(expected);
    }
  }

  @Test
  void handlesMovedByLeaksAreRemappedAfterAReplay() throws Exception {
    try (RecyclingProxy proxy =
        new RecyclingProxy(PROVER, proverPolicy().withSnapshots(false), RecycleListener.NONE)) {
      long first = proxy.call("setup", 1)[0];
      proxy.call("prove", first, 512); // un-logged: on replay, the second table lands elsewhere
      long second = proxy.call("setup", 2)[0];
      long firstDigest = proxy.call("state_digest", first)[0];
      long secondDigest = proxy.call("state_digest", second)[0];
      long secondProof = proxy.call("prove", second, 0)[0];

      assertThat(proxy.recycle().get(30, TimeUnit.SECONDS).method()).isEqualTo(SwapMethod.REPLAY);

      assertThat(proxy.call("state_digest", first)[0]).isEqualTo(firstDigest);
      assertThat(proxy.call("state_digest", second)[0]).isEqualTo(secondDigest);
      assertThat(proxy.call("prove", second, 0)[0]).isEqualTo(secondProof).isEqualTo(proof(2));
      // The guest's own address moved (the leak is gone), which is why the handle had to be mapped.
      assertThat(proxy.call("heap_top")[0]).isLessThan(second + (2L << 20));
    }
  }

  @Test
  void aSnapshotSwapRestoresTheStateAndNewerStateCallsAreReplayedOnTop() throws Exception {
    try (RecyclingProxy proxy = new RecyclingProxy(PROVER, proverPolicy(), RecycleListener.NONE)) {
      long a = proxy.call("setup", 2)[0];
      assertThat(proxy.recycle().get(30, TimeUnit.SECONDS).method()).isEqualTo(SwapMethod.REPLAY);
      assertThat(proxy.stats().snapshotBytes()).isGreaterThanOrEqualTo(2L << 20);
      assertThat(proxy.recycle().get(30, TimeUnit.SECONDS).method()).isEqualTo(SwapMethod.SNAPSHOT);
      long b = proxy.call("setup", 1)[0];
      SwapReport third = proxy.recycle().get(30, TimeUnit.SECONDS);
      assertThat(third.method()).isEqualTo(SwapMethod.SNAPSHOT);

      assertThat(proxy.call("prove", a, 0)[0]).isEqualTo(proof(2));
      assertThat(proxy.call("prove", b, 0)[0]).isEqualTo(proof(1));
      RecyclerStats stats = proxy.stats();
      assertThat(stats.snapshotSwaps()).isEqualTo(2);
      assertThat(stats.logEntries()).isEqualTo(2);
      assertThat(stats.generation()).isEqualTo(4);
    }
  }

  @Test
  void aNonDeterministicReplayIsCaughtAndTheOldInstanceKeepsServing() throws Exception {
    List<String> reasons = new ArrayList<>();
    RecycleListener listener =
        new RecycleListener() {
          @Override
          public void swapped(SwapReport report) {}

          @Override
          public synchronized void prepareFailed(String reason, boolean mismatch) {
            reasons.add((mismatch ? "mismatch: " : "") + reason);
          }
        };
    try (RecyclingProxy proxy = new RecyclingProxy(PROVER, proverPolicy(), listener)) {
      long plain = proxy.call("setup", 1)[0];
      proxy.call("prove", plain, 64); // moves the heap top, which setup_unstable depends on
      long salted = proxy.call("setup_unstable", 1)[0];
      long digest = proxy.call("state_digest", salted)[0];

      assertThatThrownBy(() -> proxy.recycle().get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasMessageContaining("not deterministic");

      RecyclerStats stats = proxy.stats();
      assertThat(stats.replayMismatches()).isEqualTo(1);
      assertThat(stats.failedPrepares()).isEqualTo(1);
      assertThat(stats.generation()).isEqualTo(1);
      assertThat(stats.watermark()).isGreaterThan(RecyclingPolicy.DEFAULT_WATERMARK);
      assertThat(stats.lastPrepareError()).contains("setup_unstable");
      synchronized (listener) {
        assertThat(reasons).singleElement().asString().startsWith("mismatch: ");
      }
      assertThat(proxy.call("state_digest", salted)[0]).isEqualTo(digest);
      assertThat(proxy.call("prove", plain, 0)[0]).isEqualTo(proof(1));
    }
  }

  @Test
  void aCallCountLimitRecyclesWithoutBeingAsked() throws Exception {
    java.util.concurrent.CountDownLatch swapped = new java.util.concurrent.CountDownLatch(1);
    RecycleListener listener =
        new RecycleListener() {
          @Override
          public void swapped(SwapReport report) {
            swapped.countDown();
          }

          @Override
          public void prepareFailed(String reason, boolean mismatch) {}
        };
    RecyclingPolicy policy = proverPolicy().withLimits(10, java.time.Duration.ZERO);
    try (RecyclingProxy proxy = new RecyclingProxy(PROVER, policy, listener)) {
      long handle = proxy.call("setup", 1)[0];
      for (int i = 0; i < 10; i++) {
        proxy.call("prove", handle, 0);
      }
      assertThat(swapped.await(30, TimeUnit.SECONDS)).isTrue();
      assertThat(proxy.call("prove", handle, 0)[0]).isEqualTo(proof(1));
    }
  }

  @Test
  void aPolicyThatDoesNotFitTheModuleIsRefusedWithTheReason() {
    assertThatThrownBy(
            () ->
                new RecyclingProxy(
                    PROVER, RecyclingPolicy.defaults(Set.of("nope")), RecycleListener.NONE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("state_exports")
        .hasMessageContaining("'nope'");
    assertThatThrownBy(
            () ->
                new RecyclingProxy(
                    PROVER,
                    proverPolicy().withHandles(Map.of("prove", List.of(2)), null),
                    RecycleListener.NONE))
        .hasMessageContaining("parameter 2 of 'prove'");
    assertThatThrownBy(
            () ->
                new RecyclingProxy(
                    PROVER, proverPolicy().withHandles(Map.of(), "prove"), RecycleListener.NONE))
        .hasMessageContaining("digest_export 'prove'");
    assertThatThrownBy(() -> proverPolicy().withWatermark(0))
        .hasMessageContaining("watermark must be in (0, 1]");
  }
}
