package dev.wasmgrid.wasm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.testing.ProcessMemory;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import org.junit.jupiter.api.Test;

/**
 * Guest memory lives off the JVM heap and goes back to the operating system when its instance (or
 * snapshot) closes, without a garbage collection: before, a retired instance's memory stayed in the
 * process until a GC, and G1 runs none while the heap has room.
 */
class MemoryReleaseTest {

  private static final CompiledModule PROVER =
      WasmModules.bundled("prover", ModuleLimits.defaults());
  private static final long STATE_MIB = 128;
  private static final long FREED = 96L << 20;

  @Test
  void closingAnInstanceGivesItsMemoryBackAtOnce() {
    WasmInstance instance = PROVER.instantiate();
    instance.call("setup", STATE_MIB); // a table of 128 MiB, every byte written
    long held = ProcessMemory.residentBytes();
    instance.close();
    long after = ProcessMemory.residentBytes();
    assertThat(held - after)
        .as("resident bytes freed by closing (held %d MiB, then %d MiB)", held >> 20, after >> 20)
        .isGreaterThan(FREED);
  }

  @Test
  void aSnapshotIsNotACopyOnTheHeapAndClosingItFreesIt() {
    MemoryMXBean heap = ManagementFactory.getMemoryMXBean();
    try (WasmInstance instance = PROVER.instantiate()) {
      instance.call("setup", STATE_MIB);
      long heapBefore = heap.getHeapMemoryUsage().getUsed();
      MemorySnapshot snapshot = instance.snapshot();
      // A collection in between only lowers the heap's use: this cannot pass by chance.
      long heapGrowth = heap.getHeapMemoryUsage().getUsed() - heapBefore;
      assertThat(heapGrowth).as("heap bytes taken by a 128 MiB snapshot").isLessThan(16L << 20);
      assertThat(snapshot.memoryBytes()).isEqualTo(instance.memoryBytes());

      long held = ProcessMemory.residentBytes();
      snapshot.close();
      long after = ProcessMemory.residentBytes();
      assertThat(held - after)
          .as(
              "resident bytes freed by closing the snapshot (%d, then %d MiB)",
              held >> 20, after >> 20)
          .isGreaterThan(FREED);
    }
  }
}
