package dev.wasmgrid.sim;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Bad input fails at once with an exception naming the field and its limit. */
class SimInputTest {

  @Test
  void negativeOrHugeEntityCounts() {
    assertThatThrownBy(() -> SimConfig.of(-1, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("entities must be in [0, 10000000]")
        .hasMessageContaining("-1");
    assertThatThrownBy(() -> SimConfig.of(SimConfig.MAX_ENTITIES + 1, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("entities");
  }

  @Test
  void worldSizeMustBeWholeCells() {
    assertThatThrownBy(() -> new SimConfig(10, 1, 205, 200, 5, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("width must be a multiple of 20");
    assertThatThrownBy(() -> new SimConfig(10, 1, 200, 20, 5, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("height");
    assertThatThrownBy(() -> new SimConfig(10, 1, 200, 200, -5, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("foods");
  }

  @Test
  void partitionCountsOutsideTheWorldsLimits() {
    SimConfig config = SimConfig.of(300, 1);
    assertThatThrownBy(() -> new PartitionedSim(config, 0, PhaseRunner.SEQUENTIAL))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("partitions must be >= 1, got 0");
    assertThatThrownBy(() -> new PartitionedSim(config, 1000, PhaseRunner.SEQUENTIAL))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("partitions must be <= " + config.maxPartitions())
        .hasMessageContaining("wide");
    assertThatThrownBy(() -> StripLayout.of(config, new int[] {0, 1, config.columns()}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("every strip must be >= 3 columns");
    assertThatThrownBy(() -> new ThreadPhases(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("threads must be >= 1");
  }

  @Test
  void frameForTheWrongTickIsRefused() {
    SimConfig config = SimConfig.of(100, 1);
    SimPartition partition = new SimPartition(config, 0, StripLayout.even(config, 2));
    EntityTable none = new EntityTable(0);
    byte[] stale =
        FrameCodec.encode(FrameCodec.GHOST, 4, none, new int[0], 0, new int[0], new int[0], 0);
    assertThatThrownBy(() -> partition.absorbGhosts(java.util.List.of(stale), 5))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("for tick 5, got kind 2 for tick 4");
  }
}
