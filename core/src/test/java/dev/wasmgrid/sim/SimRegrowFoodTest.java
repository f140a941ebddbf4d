package dev.wasmgrid.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The viewer's "add food": every patch ready at once, the same world on any partition count. */
class SimRegrowFoodTest {

  private static long hashAfter(int partitions, boolean regrow) {
    try (PartitionedSim sim =
        new PartitionedSim(SimConfig.of(1200, 5), partitions, PhaseRunner.SEQUENTIAL)) {
      for (int t = 0; t < 40; t++) {
        if (regrow && t == 20) {
          sim.regrowFood();
        }
        sim.step();
      }
      return sim.stateHash();
    }
  }

  @Test
  void regrowingChangesTheWorldTheSameWayOnAnyPartitionCount() {
    long one = hashAfter(1, true);
    assertThat(hashAfter(3, true)).isEqualTo(one);
    // Twenty ticks of grazing ate some patches, so making them ready again changes the world.
    assertThat(hashAfter(1, false)).isNotEqualTo(one);
  }
}
