package dev.wasmgrid.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The fast engine on 1..4 partitions reaches the reference engine's exact state. */
class SimEquivalenceTest {

  private static final int TICKS = 60;

  @ParameterizedTest
  @CsvSource({"1, 300", "2, 250", "3, 500", "4, 120"})
  void partitionsMatchReference(long seed, int entities) {
    SimConfig config = SimConfig.of(entities, seed);
    ReferenceSim reference = new ReferenceSim(config);
    for (int t = 0; t < TICKS; t++) {
      reference.step();
    }
    long expected = reference.stateHash();
    for (int parts = 1; parts <= 4; parts++) {
      try (PartitionedSim fast = new PartitionedSim(config, parts, PhaseRunner.SEQUENTIAL)) {
        for (int t = 0; t < TICKS; t++) {
          fast.step();
        }
        assertThat(StateHash.hex(fast.stateHash()))
            .as("seed %d, %d entities, %d partitions", seed, entities, parts)
            .isEqualTo(StateHash.hex(expected));
      }
    }
  }
}
