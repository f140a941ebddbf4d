package dev.wasmgrid.sim.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.sim.EntityBudget;
import org.junit.jupiter.api.Test;

/** The entity limit of live simulations is what the heap holds, below the documented cap. */
class SimLimitsTest {
  private static final long MIB = 1024 * 1024;

  @Test
  void aSmallHeapLowersTheEntityLimitBelowTheCap() {
    // A quarter of 64 MiB over the bytes one entity takes at its partition's peak.
    assertThat(SimLimits.forHeap(64 * MIB).maxEntities())
        .isEqualTo((int) (16 * MIB / EntityBudget.BYTES_PER_ENTITY))
        .isLessThan(SimLimits.MAX_ENTITIES);
    assertThat(SimLimits.forHeap(8192 * MIB).maxEntities()).isEqualTo(SimLimits.MAX_ENTITIES);
    assertThat(SimLimits.forHeap(0).maxEntities()).isEqualTo(1);
  }

  @Test
  void theWorkerLimitNeverPassesTheDocumentedCap() {
    assertThat(EntityBudget.maxEntities(Long.MAX_VALUE)).isEqualTo(10_000_000);
    assertThat(EntityBudget.maxEntities(-1)).isZero();
  }
}
