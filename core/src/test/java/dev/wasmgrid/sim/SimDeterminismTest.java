package dev.wasmgrid.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The same seed gives the same bits run after run, on threads or not, with boundaries moving under
 * load balancing; another seed gives another world.
 */
class SimDeterminismTest {

  private static final int TICKS = 60;

  @Test
  void repeatedRunsAgreeAndSeedsDiffer() {
    SimConfig config = SimConfig.of(400, 11);
    long first = run(new PartitionedSim(config, 2, PhaseRunner.SEQUENTIAL));
    long second = run(new PartitionedSim(config, 2, PhaseRunner.SEQUENTIAL));
    long other = run(new PartitionedSim(SimConfig.of(400, 12), 2, PhaseRunner.SEQUENTIAL));
    assertThat(second).isEqualTo(first);
    assertThat(other).isNotEqualTo(first);
  }

  @Test
  void threadsAndLoadBalancingDoNotChangeTheHash() {
    // Everyone starts in the leftmost quarter: even strips would leave most partitions idle.
    SimConfig config = SimConfig.of(400, 5).clusteredStart();
    EntityTable start = ReferenceSim.initial(config);
    long expected = run(new ReferenceSim(config, start));
    try (PartitionedSim balanced = new PartitionedSim(config, start, 4, 5, new ThreadPhases(3))) {
      assertThat(hashAfterTicks(balanced)).isEqualTo(expected);
      assertThat(balanced.rebalances()).isPositive();
      assertThat(balanced.layout()).isNotEqualTo(StripLayout.even(config, 4));
      int[] counts = balanced.ownedCounts();
      int even = balanced.population() / 4;
      for (int c : counts) {
        assertThat(c).isBetween(even / 4, even * 2);
      }
    }
    try (PartitionedSim fixed = new PartitionedSim(config, start, 4, 0, PhaseRunner.SEQUENTIAL)) {
      fixed.step();
      // Without balancing the middle strips start out empty.
      assertThat(fixed.ownedCounts()[1] + fixed.ownedCounts()[2])
          .isLessThan(fixed.population() / 10);
      for (int t = 1; t < TICKS; t++) {
        fixed.step();
      }
      assertThat(fixed.stateHash()).isEqualTo(expected);
    }
  }

  @Test
  void somethingHappensInTheseRuns() {
    // Guards the equality tests against a world where nothing eats, breeds or dies.
    SimConfig config = SimConfig.of(400, 11);
    ReferenceSim sim = new ReferenceSim(config);
    for (int t = 0; t < TICKS; t++) {
      sim.step();
    }
    EntityTable after = sim.entities();
    int children = 0;
    for (int i = 0; i < after.count(); i++) {
      children += after.id(i) >= 1L << 62 ? 1 : 0;
    }
    assertThat(children).isPositive();
    assertThat(after.count() - children).isLessThan(config.entities());
  }

  private static long run(Simulation sim) {
    try (sim) {
      return hashAfterTicks(sim);
    }
  }

  private static long hashAfterTicks(Simulation sim) {
    for (int t = 0; t < TICKS; t++) {
      sim.step();
    }
    return sim.stateHash();
  }
}
