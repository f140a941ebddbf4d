package dev.wasmgrid.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The JVM's own neighbour sweeps — the Vector API one and the C one ({@link NativeNeighbourSweep})
 * — reach exactly the states the plain one and the reference reach: any lane that tested
 * differently, any sum taken in another order or rounded otherwise, would change the hash.
 */
class SimJvmSweepTest {

  @ParameterizedTest
  @CsvSource({
    "vector, 1, 300", "vector, 2, 250", "vector, 3, 500", "vector, 4, 120", "vector, 7, 40",
    "native, 1, 300", "native, 2, 250", "native, 3, 500", "native, 4, 120", "native, 7, 40"
  })
  void sweepMatchesReference(String sweep, long seed, int entities) {
    SimConfig config = SimConfig.of(entities, seed);
    long expected = hashAfter(new ReferenceSim(config), 60);
    for (int parts = 1; parts <= Math.min(4, config.maxPartitions()); parts++) {
      assertThat(StateHash.hex(hashAfter(sim(config, parts, sweep(sweep)), 60)))
          .as("%s sweep, seed %d, %d entities, %d partitions", sweep, seed, entities, parts)
          .isEqualTo(StateHash.hex(expected));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"vector", "native"})
  void sweepMatchesScalarSweepOnALargerWorld(String sweep) {
    // Flocks, hunts and births over a few hundred ticks: too big for the O(n²) reference, so the
    // JVM's sweeps are held to the plain one, itself held to the reference above.
    SimConfig config = SimConfig.of(6000, 21);
    long scalar = hashAfter(sim(config, 2, NeighbourSweep.scalar()), 250);
    assertThat(StateHash.hex(hashAfter(sim(config, 2, sweep(sweep)), 250)))
        .isEqualTo(StateHash.hex(scalar));
  }

  @ParameterizedTest
  @ValueSource(strings = {"vector", "native"})
  void threadsTakingPartsOfEachOthersPerceptionReachTheSameWorld(String sweep) {
    // ~3000 slots per partition: several parts of the native sweep's perception each, which the
    // two threads take from each other's partitions as they get to them.
    SimConfig config = SimConfig.of(6000, 23);
    long sequential =
        hashAfter(sim(config, 2, NeighbourSweep.scalar(), PhaseRunner.SEQUENTIAL), 80);
    long threads = hashAfter(sim(config, 2, sweep(sweep), new ThreadPhases(1)), 80);
    assertThat(StateHash.hex(threads)).isEqualTo(StateHash.hex(sequential));
  }

  @ParameterizedTest
  @ValueSource(strings = {"vector", "native"})
  void aCrowdTooBigForOneCandidateListIsSeenWhole(String sweep) {
    // 1500 entities in a square of 60: every window holds hundreds of candidates, more than the
    // native sweep's list (256), which then sees them in parts; births and deaths follow.
    SimConfig config = SimConfig.of(1500, 17);
    EntityTable start = ReferenceSim.initial(config);
    EntityTable crowd = new EntityTable(start.count());
    for (int i = 0; i < start.count(); i++) {
      crowd.appendRow(start, i);
      crowd.x[i] = 100 + start.x[i] % 60;
      crowd.y[i] = 100 + start.y[i] % 60;
    }
    long reference = hashAfter(new ReferenceSim(config, crowd), 4);
    for (int parts = 1; parts <= 2; parts++) {
      PartitionedSim sim =
          new PartitionedSim(
              config,
              crowd,
              parts,
              PartitionedSim.DEFAULT_REBALANCE_EVERY,
              PhaseRunner.SEQUENTIAL,
              sweep(sweep));
      assertThat(StateHash.hex(hashAfter(sim, 4)))
          .as("%s sweep, %d partitions", sweep, parts)
          .isEqualTo(StateHash.hex(reference));
    }
  }

  @Test
  void theNativeSweepRunsOnEveryX86LinuxWithAvx2() throws IOException {
    Path cpuinfo = Path.of("/proc/cpuinfo");
    Assumptions.assumeTrue(
        System.getProperty("os.arch").equals("amd64") && Files.isReadable(cpuinfo),
        "not x86-64 Linux");
    Assumptions.assumeTrue(
        Files.readString(cpuinfo).toLowerCase(Locale.ROOT).contains(" avx2"), "no AVX2");
    Assumptions.assumeFalse(
        NativeNeighbourSweep.unavailable().orElse("").startsWith("turned off"), "turned off here");
    // The build needs gcc for the library; this machine kind has it, so a missing library is a
    // broken build, not a choice.
    assertThat(NativeNeighbourSweep.unavailable()).isEmpty();
    assertThat(NativeNeighbourSweep.fastest()).isInstanceOf(NativeNeighbourSweep.class);
  }

  @Test
  void everyContactLiesWithinEveryViewRadius() {
    // The sweeps drop candidates beyond the view radius before the contact rules run.
    assertThat(WorldRules.MAX_CONTACT).isLessThan(WorldRules.MIN_VIEW);
  }

  private static NeighbourSweep sweep(String name) {
    if (name.equals("vector")) {
      return new VectorNeighbourSweep();
    }
    Assumptions.assumeTrue(
        NativeNeighbourSweep.unavailable().isEmpty(),
        () -> "native sweep: " + NativeNeighbourSweep.unavailable().orElse(""));
    return NativeNeighbourSweep.require();
  }

  private static PartitionedSim sim(SimConfig config, int parts, NeighbourSweep sweep) {
    return sim(config, parts, sweep, PhaseRunner.SEQUENTIAL);
  }

  private static PartitionedSim sim(
      SimConfig config, int parts, NeighbourSweep sweep, PhaseRunner runner) {
    return new PartitionedSim(
        config,
        ReferenceSim.initial(config),
        parts,
        PartitionedSim.DEFAULT_REBALANCE_EVERY,
        runner,
        sweep);
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
