package dev.wasmgrid.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The JVM's Vector API neighbour sweep reaches exactly the states the plain one and the reference
 * reach: it only picks which candidates the exact scalar rules see, so any lane that tested
 * differently would change the hash.
 */
class SimVectorSweepTest {

  @ParameterizedTest
  @CsvSource({"1, 300", "2, 250", "3, 500", "4, 120", "7, 40"})
  void vectorSweepMatchesReference(long seed, int entities) {
    SimConfig config = SimConfig.of(entities, seed);
    long expected = hashAfter(new ReferenceSim(config), 60);
    for (int parts = 1; parts <= Math.min(4, config.maxPartitions()); parts++) {
      assertThat(StateHash.hex(hashAfter(vector(config, parts), 60)))
          .as("seed %d, %d entities, %d partitions", seed, entities, parts)
          .isEqualTo(StateHash.hex(expected));
    }
  }

  @Test
  void vectorSweepMatchesScalarSweepOnALargerWorld() {
    // Flocks, hunts and births over a few hundred ticks: too big for the O(n²) reference, so the
    // vector sweep is held to the plain one, itself held to the reference above.
    SimConfig config = SimConfig.of(6000, 21);
    EntityTable start = ReferenceSim.initial(config);
    long scalar =
        hashAfter(
            new PartitionedSim(
                config, start, 2, 20, PhaseRunner.SEQUENTIAL, NeighbourSweep.scalar()),
            250);
    long vector = hashAfter(vector(config, 2), 250);
    assertThat(StateHash.hex(vector)).isEqualTo(StateHash.hex(scalar));
  }

  @Test
  void everyContactLiesWithinEveryViewRadius() {
    // The sweeps drop candidates beyond the view radius before the contact rules run.
    assertThat(WorldRules.MAX_CONTACT).isLessThan(WorldRules.MIN_VIEW);
  }

  private static PartitionedSim vector(SimConfig config, int parts) {
    return new PartitionedSim(
        config,
        ReferenceSim.initial(config),
        parts,
        PartitionedSim.DEFAULT_REBALANCE_EVERY,
        PhaseRunner.SEQUENTIAL,
        new VectorNeighbourSweep());
  }

  private static long hashAfter(Simulation sim, int ticks) {
    try (sim) {
      for (int t = 0; t < ticks; t++) {
        sim.step();
      }
      return sim.stateHash();
    }
  }
}
