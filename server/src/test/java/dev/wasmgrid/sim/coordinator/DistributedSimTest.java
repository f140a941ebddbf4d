package dev.wasmgrid.sim.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.grid.HttpWorkerClient;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.sim.PartitionedSim;
import dev.wasmgrid.sim.PhaseRunner;
import dev.wasmgrid.sim.SimConfig;
import dev.wasmgrid.sim.StateHash;
import dev.wasmgrid.worker.WorkerNode;
import io.helidon.webclient.api.WebClient;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Partitions on HTTP workers in this JVM (loopback), driven tick by tick: the same hash as the
 * threaded engine, and the same hash again when a worker stops mid-run, food added or not.
 */
class DistributedSimTest {
  private static final SimConfig CONFIG = SimConfig.of(600, 23).clusteredStart();
  private static final int TICKS = 50;

  private final WebClient http = HttpWorkerClient.newWebClient(Duration.ofSeconds(2));

  @Test
  void partitionsOnOneAndTwoWorkersReachTheThreadedHash() {
    String expected = threadedHash(3);
    try (WorkerNode a = worker();
        WorkerNode b = worker()) {
      for (List<WorkerNode> workers : List.of(List.of(a), List.of(a, b))) {
        List<String> log = new ArrayList<>();
        try (DistributedSim sim = new DistributedSim(CONFIG, 3, hosts(workers), 10, 20, log::add)) {
          run(sim);
          assertThat(StateHash.hex(sim.stateHash()))
              .as("%d workers", workers.size())
              .isEqualTo(expected);
          assertThat(sim.placement()).hasSize(3).allMatch(h -> h.startsWith("http://127.0.0.1:"));
          assertThat(sim.recoveries()).isZero();
          assertThat(log).isEmpty();
        }
      }
    }
  }

  @Test
  void aLocalHostAloneReachesTheThreadedHash() {
    try (DistributedSim sim =
        new DistributedSim(CONFIG, 2, List.of(new LocalSimHost()), 7, 20, s -> {})) {
      run(sim);
      assertThat(StateHash.hex(sim.stateHash())).isEqualTo(threadedHash(2));
      assertThat(sim.population()).isPositive();
    }
  }

  @Test
  void aWorkerStoppedMidRunIsReplacedFromTheLastCheckpoint() {
    String expected = threadedHash(2);
    List<String> log = new ArrayList<>();
    try (WorkerNode survivor = worker()) {
      WorkerNode doomed = worker();
      String doomedUrl = "http://127.0.0.1:" + doomed.port();
      try (DistributedSim sim =
          new DistributedSim(CONFIG, 2, hosts(List.of(survivor, doomed)), 8, 20, log::add)) {
        for (int t = 0; t < 21; t++) {
          sim.step();
        }
        assertThat(sim.placement()).contains(doomedUrl);
        doomed.close();
        for (int t = 21; t < TICKS; t++) {
          sim.step();
        }
        assertThat(StateHash.hex(sim.stateHash())).isEqualTo(expected);
        assertThat(sim.recoveries()).isEqualTo(1);
        // Killed after tick 21, the last checkpoint was tick 16: five ticks replayed.
        assertThat(sim.replayedTicks()).isEqualTo(5);
        assertThat(sim.placement()).doesNotContain(doomedUrl).hasSize(2);
        assertThat(log).singleElement().asString().contains(doomedUrl).contains("tick 16");
      }
    }
  }

  @Test
  void foodAddedBeforeAFailureSurvivesTheReplay() {
    // Checkpoints every 8 ticks: food at 19, a worker gone at 21. A replay from the checkpoint of
    // tick 16 would lose the food; the checkpoint taken with it keeps it.
    String expected = threadedHash(2, 19);
    assertThat(expected).isNotEqualTo(threadedHash(2));
    try (WorkerNode survivor = worker()) {
      WorkerNode doomed = worker();
      try (DistributedSim sim =
          new DistributedSim(CONFIG, 2, hosts(List.of(survivor, doomed)), 8, 20, s -> {})) {
        for (int t = 0; t < TICKS; t++) {
          if (t == 19) {
            sim.regrowFood();
          }
          if (t == 21) {
            doomed.close();
          }
          sim.step();
        }
        assertThat(StateHash.hex(sim.stateHash())).isEqualTo(expected);
        assertThat(sim.recoveries()).isEqualTo(1);
        assertThat(sim.replayedTicks()).isEqualTo(2);
      }
    }
  }

  @Test
  void withEveryWorkerGoneTheRunFinishesInThisJvm() {
    List<String> log = new ArrayList<>();
    WorkerNode only = worker();
    try (DistributedSim sim =
        new DistributedSim(CONFIG, 2, hosts(List.of(only)), 5, 20, log::add)) {
      for (int t = 0; t < 12; t++) {
        sim.step();
      }
      only.close();
      for (int t = 12; t < TICKS; t++) {
        sim.step();
      }
      assertThat(StateHash.hex(sim.stateHash())).isEqualTo(threadedHash(2));
      assertThat(sim.placement()).containsOnly("local");
      assertThat(log).singleElement().asString().contains("this JVM");
    }
  }

  private static void run(DistributedSim sim) {
    for (int t = 0; t < TICKS; t++) {
      sim.step();
    }
  }

  private static String threadedHash(int partitions) {
    return threadedHash(partitions, -1);
  }

  /** The threaded engine's hash after {@link #TICKS}, with food regrown before tick foodAt. */
  private static String threadedHash(int partitions, int foodAt) {
    try (PartitionedSim sim = new PartitionedSim(CONFIG, partitions, PhaseRunner.SEQUENTIAL)) {
      for (int t = 0; t < TICKS; t++) {
        if (t == foodAt) {
          sim.regrowFood();
        }
        sim.step();
      }
      return StateHash.hex(sim.stateHash());
    }
  }

  private static WorkerNode worker() {
    return WorkerNode.start(
        ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS), new ReferenceGemm(1));
  }

  private List<SimHost> hosts(List<WorkerNode> workers) {
    return workers.stream()
        .map(
            w ->
                (SimHost)
                    new WorkerSimHost(
                        new HttpWorkerClient(
                            URI.create("http://127.0.0.1:" + w.port()),
                            http,
                            Duration.ofSeconds(10),
                            Optional.empty())))
        .toList();
  }
}
