package dev.wasmgrid.wasm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Snapshots: a fresh instance given another's memory and globals carries on exactly like it. */
class SnapshotTest {

  private static final CompiledModule PROVER =
      WasmModules.bundled("prover", ModuleLimits.defaults());

  @Test
  void aRestoredInstanceAnswersAndAllocatesLikeTheOriginal() {
    try (WasmInstance original = PROVER.instantiate();
        WasmInstance copy = PROVER.instantiate()) {
      int handle = (int) original.call("setup", 2)[0];
      original.call("prove", handle, 100); // leaks: the heap top moves past the table
      MemorySnapshot snapshot = original.snapshot();
      assertThat(snapshot.pages()).isEqualTo((int) (original.memoryBytes() / 65536));

      copy.restore(snapshot);

      assertThat(copy.memoryBytes()).isEqualTo(original.memoryBytes());
      assertThat(copy.call("state_digest", handle))
          .isEqualTo(original.call("state_digest", handle));
      // The allocator's state came along: both hand out the same next address.
      assertThat(copy.call("heap_top")).isEqualTo(original.call("heap_top"));
      assertThat(copy.call("alloc", 4096)).isEqualTo(original.call("alloc", 4096));
      // And the stack pointer global: a call that uses the stack gives the same answer.
      assertThat(copy.call("prove", handle, 0)).isEqualTo(original.call("prove", handle, 0));
    }
  }

  @Test
  void theSnapshotIsACopyNotAView() {
    try (WasmInstance original = PROVER.instantiate();
        WasmInstance copy = PROVER.instantiate()) {
      int handle = (int) original.call("setup", 1)[0];
      long digest = original.call("state_digest", handle)[0];
      MemorySnapshot snapshot = original.snapshot();
      original.call("setup", 1); // changes the original after the snapshot
      copy.restore(snapshot);
      assertThat(copy.call("state_digest", handle)[0]).isEqualTo(digest);
      assertThat(copy.call("heap_top")[0]).isLessThan(original.call("heap_top")[0]);
    }
  }

  @Test
  void aSnapshotLargerThanTheLimitOrSmallerThanTheInstanceIsRefused() {
    CompiledModule small = WasmModules.bundled("prover", ModuleLimits.defaults().withMaxPages(8));
    try (WasmInstance big = PROVER.instantiate();
        WasmInstance limited = small.instantiate()) {
      big.call("setup", 1);
      MemorySnapshot snapshot = big.snapshot();
      assertThatThrownBy(() -> limited.restore(snapshot))
          .isInstanceOfSatisfying(
              WasmCallException.class,
              e -> assertThat(e.code()).isEqualTo(WasmCallException.Code.MEMORY_LIMIT));
    }
    try (WasmInstance fresh = PROVER.instantiate();
        WasmInstance grown = PROVER.instantiate()) {
      MemorySnapshot empty = fresh.snapshot();
      grown.call("setup", 1);
      assertThatThrownBy(() -> grown.restore(empty))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("more than the snapshot's");
    }
  }
}
