package dev.wasmgrid.cli.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.wasmgrid.bench.LocalCluster;
import dev.wasmgrid.cli.Main;
import dev.wasmgrid.matmul.Matrix;
import dev.wasmgrid.matmul.RandomMatrices;
import dev.wasmgrid.sim.PartitionedSim;
import dev.wasmgrid.sim.PhaseRunner;
import dev.wasmgrid.sim.SimConfig;
import dev.wasmgrid.sim.StateHash;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The coordinator and its workers as separate hosts: each worker process runs in a network
 * namespace of its own, reached over a veth pair ({@link NetworkLab}), the coordinator in the root
 * namespace. Links are rate-limited with {@code tbf}, cut mid-product and mid-simulation, and
 * delayed and made to lose connections by a relay ({@link DelayRelay}). What must hold: exact
 * products, the local engine's simulation hash, no hang past the configured timeouts, and {@code
 * auto} keeping products local when the link makes splitting them lose. Needs root and iproute2;
 * skipped, saying why, otherwise.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RealNetworkTest {
  private final List<NetworkLab.Host> hosts = new ArrayList<>();
  private final List<String> workers = new ArrayList<>();
  private final List<LocalCluster> workerProcesses = new ArrayList<>();
  private final List<AutoCloseable> relays = new ArrayList<>();
  private NetworkLab lab;
  private LocalCluster coordinators;

  @BeforeAll
  void network() throws Exception {
    Optional<String> unavailable = NetworkLab.unavailable();
    unavailable.ifPresent(
        why -> System.err.println("RealNetworkTest skipped: the network tests " + why));
    assumeTrue(unavailable.isEmpty(), () -> "the network tests " + unavailable.orElseThrow());
    lab = NetworkLab.create();
    List<CompletableFuture<String>> started = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      NetworkLab.Host host = lab.addHost();
      hosts.add(host);
      LocalCluster cluster =
          new LocalCluster(
              NetworkLab.inside(
                  host, LocalCluster.sameJvm(Main.class.getName()).toArray(String[]::new)));
      workerProcesses.add(cluster);
      // Both at once: each spends seconds choosing its kernel.
      started.add(
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  LocalCluster.Node node =
                      cluster.start(
                          "worker", "--host", host.address(), "--port", "0", "--threads", "1");
                  return "http://" + host.address() + ":" + node.port();
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              }));
    }
    for (CompletableFuture<String> worker : started) {
      workers.add(worker.join());
    }
  }

  @AfterAll
  void tearDown() throws Exception {
    try {
      workerProcesses.forEach(LocalCluster::close);
    } finally {
      if (lab != null) {
        lab.close();
      }
    }
  }

  @BeforeEach
  void noCoordinatorYet() {
    coordinators = new LocalCluster(LocalCluster.sameJvm(Main.class.getName()));
  }

  /** Each test starts from whole, unshaped links. */
  @AfterEach
  void heal() throws Exception {
    coordinators.close();
    for (AutoCloseable relay : relays) {
      relay.close();
    }
    relays.clear();
    for (NetworkLab.Host host : hosts) {
      lab.restore(host);
      lab.unlimit(host);
    }
  }

  @Test
  void autoKeepsProductsLocalWhenTheLinksAreSlow() throws Exception {
    for (NetworkLab.Host host : hosts) {
      lab.limit(host, "8mbit");
    }
    GridCalls grid = coordinator("PT20S");
    Matrix a = RandomMatrices.integers(384, 384, 1);
    Matrix b = RandomMatrices.integers(384, 384, 2);
    Matrix.F64 expected = GridCalls.reference(a, b);
    // One product each way, so that auto has measured both, links included.
    long start = System.nanoTime();
    assertThat(grid.multiply(a, b, "distributed", Duration.ofSeconds(60)).data())
        .isEqualTo(expected.data());
    long distributedMillis = (System.nanoTime() - start) / 1_000_000;
    start = System.nanoTime();
    assertThat(grid.multiply(a, b, "local", Duration.ofSeconds(60)).data())
        .isEqualTo(expected.data());
    long localMillis = (System.nanoTime() - start) / 1_000_000;
    String listed = grid.get("/v1/workers");
    System.err.printf(
        "RealNetworkTest: 384^3 over 8mbit links: distributed %d ms, local %d ms; %s; %s%n",
        distributedMillis, localMillis, listed, grid.get("/v1/config/matmul"));
    // 8 mbit/s is 1 MB/s: what the coordinator measured is the link, not loopback.
    Matcher bandwidth = Pattern.compile("\"bandwidth_mbps\":([0-9.]+)").matcher(listed);
    int measured = 0;
    for (; bandwidth.find(); measured++) {
      assertThat(Double.parseDouble(bandwidth.group(1))).isLessThan(1.5);
    }
    assertThat(measured).as(listed).isEqualTo(2);
    // A job tells where auto placed it.
    String job = grid.submit(a, b);
    assertThat(GridCalls.field(job, "mode")).as(job).isEqualTo("local");
    assertThat(GridCalls.field(job, "requested_mode")).isEqualTo("auto");
    assertThat(grid.result(GridCalls.field(job, "id"), Duration.ofSeconds(30)).data())
        .isEqualTo(expected.data());
  }

  @Test
  void linksCutMidProductCostTheirTilesNotTheProduct() throws Exception {
    for (NetworkLab.Host host : hosts) {
      lab.limit(host, "16mbit");
    }
    GridCalls grid = coordinator("PT3S");
    Matrix a = RandomMatrices.integers(768, 768, 3);
    Matrix b = RandomMatrices.integers(768, 768, 4);
    Matrix.F64 expected = GridCalls.reference(a, b);
    // The second link is cut mid-upload: its tile goes to the first worker.
    assertThat(
            productCutting(grid, a, b, hosts.get(1), "one of two", Duration.ofSeconds(60)).data())
        .isEqualTo(expected.data());
    // Then the first, now the only one up: the coordinator's own kernel computes its tile. A
    // link gone silent must cost about the worker timeout (3 s), not TCP's own give-up time
    // (about 15 minutes with tcp_retries2=15).
    assertThat(productCutting(grid, a, b, hosts.get(0), "the last", Duration.ofSeconds(20)).data())
        .isEqualTo(expected.data());
  }

  /**
   * Sends a distributed product and cuts {@code host}'s link once 2 MB of its 7 MB tile have gone
   * into it; returns C, which must come within {@code limit} of the cut.
   */
  private Matrix.F64 productCutting(
      GridCalls grid, Matrix a, Matrix b, NetworkLab.Host host, String which, Duration limit)
      throws Exception {
    long before = lab.bytesSentTo(host);
    long start = System.nanoTime();
    CompletableFuture<Matrix.F64> product =
        CompletableFuture.supplyAsync(
            () -> grid.multiply(a, b, "distributed", Duration.ofSeconds(90)));
    GridCalls.await(
        "2 MB sent towards " + host.address(),
        Duration.ofSeconds(30),
        () -> lab.bytesSentTo(host) - before > 2_000_000);
    long cutMillis = (System.nanoTime() - start) / 1_000_000;
    lab.cut(host);
    assertThat(product).as("the product after %s link was cut", which).succeedsWithin(limit);
    Matrix.F64 c = product.join();
    long millis = (System.nanoTime() - start) / 1_000_000;
    System.err.printf(
        "RealNetworkTest: 768^3 over 16mbit links, %s cut at %d ms: C in %d ms; %s%n",
        which, cutMillis, millis, grid.get("/v1/workers"));
    return c;
  }

  @Test
  void aLinkCutMidSimulationRollsBackToTheSameWorld() throws Exception {
    GridCalls grid = coordinator("PT3S");
    int entities = 3000;
    long seed = 11;
    grid.post(
        "/v1/sim",
        "{\"entities\":"
            + entities
            + ",\"seed\":"
            + seed
            + ",\"partitions\":2,\"placement\":\"workers\",\"ticks_per_second\":1000}",
        201);
    // Past the first checkpoint (every 50 ticks), so the recovery replays from one.
    GridCalls.await(
        "the simulation passed tick 60",
        Duration.ofSeconds(60),
        () -> Long.parseLong(GridCalls.field(grid.get("/v1/sim/s1"), "tick")) >= 60);
    String before = grid.get("/v1/sim/s1");
    assertThat(before).contains(workers.get(0)).contains(workers.get(1));
    long start = System.nanoTime();
    lab.cut(hosts.get(1));
    GridCalls.await(
        "the simulation recovered",
        Duration.ofSeconds(20),
        () -> Long.parseLong(GridCalls.field(grid.get("/v1/sim/s1"), "recoveries")) > 0);
    long recoveredMillis = (System.nanoTime() - start) / 1_000_000;
    long cutAt = Long.parseLong(GridCalls.field(before, "tick"));
    GridCalls.await(
        "the simulation went on past the cut",
        Duration.ofSeconds(30),
        () -> Long.parseLong(GridCalls.field(grid.get("/v1/sim/s1"), "tick")) > cutAt + 30);
    String paused = grid.post("/v1/sim/s1/control", "{\"action\":\"pause\"}", 200);
    long tick = Long.parseLong(GridCalls.field(paused, "tick"));
    System.err.printf(
        "RealNetworkTest: sim cut at tick %d, recovered in %d ms, paused at %d: %s%n",
        cutAt, recoveredMillis, tick, paused);
    assertThat(GridCalls.field(paused, "state")).isEqualTo("paused");
    assertThat(GridCalls.field(paused, "hash")).isEqualTo(localHash(entities, seed, 2, tick));
    assertThat(recoveredMillis).isLessThan(3_000 + 10_000);
  }

  @Test
  void delayAndLostConnectionsThroughARelay() throws Exception {
    URI worker = URI.create(workers.get(0));
    // 20 ms each way; every other connection reset after 256 KB towards the worker, which only
    // tile uploads carry.
    DelayRelay relay =
        DelayRelay.start(
            new InetSocketAddress(worker.getHost(), worker.getPort()),
            Duration.ofMillis(20),
            n -> n % 2 == 1,
            256 << 10);
    relays.add(relay);
    GridCalls grid =
        coordinatorOver("PT5S", "http://127.0.0.1:" + relay.port() + "," + workers.get(1));
    Matrix a = RandomMatrices.integers(512, 512, 5);
    Matrix b = RandomMatrices.integers(512, 512, 6);
    Matrix.F64 expected = GridCalls.reference(a, b);
    for (int i = 0; i < 4; i++) {
      assertThat(grid.multiply(a, b, "distributed", Duration.ofSeconds(60)).data())
          .as("product %d", i)
          .isEqualTo(expected.data());
    }
    assertThat(relay.resets()).isPositive();
    // A probe's round trip crosses the relay once each way: at least 40 ms.
    String relayed = "http://127.0.0.1:" + relay.port();
    GridCalls.await(
        "the relayed worker's latency is measured",
        Duration.ofSeconds(10),
        () -> !latencyOf(grid, relayed).isEmpty());
    System.err.printf(
        "RealNetworkTest: via a 20 ms relay, %d connections, %d reset: %s%n",
        relay.connections(), relay.resets(), grid.get("/v1/workers"));
    assertThat(Double.parseDouble(latencyOf(grid, relayed))).isGreaterThan(40);
  }

  /** The {@code latency_ms} that {@code GET /v1/workers} lists for {@code url}; empty if null. */
  private static String latencyOf(GridCalls grid, String url) {
    String listed = grid.get("/v1/workers");
    int entry = listed.indexOf("\"url\":\"" + url + "\"");
    assertThat(entry).as(listed).isNotNegative();
    return GridCalls.field(listed.substring(entry, listed.indexOf('}', entry)), "latency_ms");
  }

  private GridCalls coordinator(String workerTimeout) throws Exception {
    return coordinatorOver(workerTimeout, String.join(",", workers));
  }

  private GridCalls coordinatorOver(String workerTimeout, String sources) throws Exception {
    LocalCluster.Node node =
        coordinators.start(
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--threads",
            "1",
            "--worker-timeout",
            workerTimeout,
            "--probe-interval",
            "PT1S",
            "--workers",
            sources);
    return new GridCalls(node.port());
  }

  private static String localHash(int entities, long seed, int partitions, long ticks) {
    try (PartitionedSim sim =
        new PartitionedSim(SimConfig.of(entities, seed), partitions, PhaseRunner.SEQUENTIAL)) {
      for (long t = 0; t < ticks; t++) {
        sim.step();
      }
      return StateHash.hex(sim.stateHash());
    }
  }
}
