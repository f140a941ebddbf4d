package dev.wasmgrid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.bench.LocalCluster;
import dev.wasmgrid.grid.HttpWorkerClient;
import dev.wasmgrid.sim.PartitionedSim;
import dev.wasmgrid.sim.PhaseRunner;
import dev.wasmgrid.sim.SimConfig;
import dev.wasmgrid.sim.StateHash;
import dev.wasmgrid.sim.coordinator.DistributedSim;
import dev.wasmgrid.sim.coordinator.SimHost;
import dev.wasmgrid.sim.coordinator.WorkerSimHost;
import io.helidon.webclient.api.WebClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Simulation partitions on real worker processes: {@code sim --workers} reaches the threaded
 * engine's hash on one and two workers, and a worker killed with SIGKILL mid-run costs a rollback,
 * not a different world.
 */
class SimWorkerProcessTest {
  private static final int ENTITIES = 800;
  private static final long SEED = 31;
  private static final int TICKS = 40;

  final LocalCluster cluster = new LocalCluster(LocalCluster.sameJvm(Main.class.getName()));

  @AfterEach
  void stopAll() {
    cluster.close();
  }

  @Test
  void simOnOneAndTwoWorkerProcessesEndsWithTheThreadedHash() throws Exception {
    String a = worker().url();
    String b = worker().url();
    String expected = "hash=" + threadedHash(3);
    for (String workers : List.of(a, a + "," + b)) {
      StringWriter out = new StringWriter();
      int status =
          new CommandLine(Main.class)
              .setOut(new PrintWriter(out))
              .execute(
                  "sim",
                  "--entities",
                  Integer.toString(ENTITIES),
                  "--ticks",
                  Integer.toString(TICKS),
                  "--seed",
                  Long.toString(SEED),
                  "--partitions",
                  "3",
                  "--checkpoint-every",
                  "7",
                  "--workers",
                  workers);
      assertThat(status).as(out.toString()).isZero();
      assertThat(out.toString().lines().toList().getLast()).as(workers).isEqualTo(expected);
      assertThat(out.toString()).contains("0 recoveries").contains(a);
    }
  }

  @Test
  void aWorkerProcessKilledMidRunIsRestoredFromTheCheckpoint() throws Exception {
    LocalCluster.Node survivor = worker();
    LocalCluster.Node doomed = worker();
    WebClient http = HttpWorkerClient.newWebClient(Duration.ofSeconds(2));
    List<SimHost> hosts = new ArrayList<>();
    for (LocalCluster.Node node : List.of(survivor, doomed)) {
      hosts.add(
          new WorkerSimHost(
              new HttpWorkerClient(
                  URI.create(node.url()), http, Duration.ofSeconds(10), Optional.empty())));
    }
    List<String> log = new ArrayList<>();
    SimConfig config = SimConfig.of(ENTITIES, SEED);
    try (DistributedSim sim = new DistributedSim(config, 2, hosts, 6, 20, log::add)) {
      for (int t = 0; t < 15; t++) {
        sim.step();
      }
      assertThat(sim.placement()).containsExactly(survivor.url(), doomed.url());
      doomed.process().destroyForcibly();
      assertThat(doomed.process().waitFor(20, TimeUnit.SECONDS)).isTrue();
      for (int t = 15; t < TICKS; t++) {
        sim.step();
      }
      assertThat("hash=" + StateHash.hex(sim.stateHash())).isEqualTo("hash=" + threadedHash(2));
      assertThat(sim.recoveries()).isEqualTo(1);
      // Killed after tick 15; the last checkpoint was tick 12.
      assertThat(sim.replayedTicks()).isEqualTo(3);
      assertThat(sim.placement()).containsExactly(survivor.url(), survivor.url());
      assertThat(log).singleElement().asString().contains(doomed.url());
    }
  }

  private LocalCluster.Node worker() throws Exception {
    return cluster.start("worker", "--host", "127.0.0.1", "--port", "0", "--threads", "1");
  }

  private static String threadedHash(int partitions) {
    try (PartitionedSim sim =
        new PartitionedSim(SimConfig.of(ENTITIES, SEED), partitions, PhaseRunner.SEQUENTIAL)) {
      for (int t = 0; t < TICKS; t++) {
        sim.step();
      }
      return StateHash.hex(sim.stateHash());
    }
  }
}
