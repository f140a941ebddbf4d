package dev.wasmgrid.bench.chaos;

import dev.wasmgrid.bench.BenchReport;
import dev.wasmgrid.bench.LocalCluster;
import dev.wasmgrid.bench.Trees;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Products, live simulations and stateful module calls through a coordinator while its workers are
 * killed, frozen and cut off at random, for a bounded time: every call is judged {@link Verdict ok,
 * refused, lost, wrong or hung}, and a healthy system has no lost, wrong or hung calls. Worker and
 * coordinator are separate processes on loopback; each worker is reached through a {@link
 * LinkRelay} the run can break.
 */
public final class ChaosBench {
  private static final String BENCH = "chaos";

  /** Bounds the coordinator's wait on a silent worker, so faults are noticed within the run. */
  static final Duration WORKER_TIMEOUT = Duration.ofSeconds(10);

  /**
   * What to run.
   *
   * @param seconds how long faults are injected and calls made
   * @param workers worker processes
   * @param seed the seed of the faults' and the calls' randomness
   */
  public record Options(int seconds, int workers, long seed) {
    public Options {
      if (seconds < 1 || workers < 2) {
        throw new IllegalArgumentException(
            "chaos needs at least 1 second and 2 workers, got " + seconds + " s, " + workers);
      }
    }
  }

  /** The counts a run ended with. */
  public record Result(int calls, int lost, int wrong, int hung) {
    /** No call was lost, wrong or hung. */
    public boolean passed() {
      return lost == 0 && wrong == 0 && hung == 0;
    }
  }

  private ChaosBench() {}

  /**
   * Runs the scenario and reports, per workload and in all, the calls made and their verdicts, and
   * the faults injected.
   *
   * @param launcher how to start a wasmgrid node process (see {@link LocalCluster#sameJvm})
   */
  public static Result run(Options options, List<String> launcher, BenchReport report)
      throws IOException, InterruptedException {
    SplittableRandom random = new SplittableRandom(options.seed());
    Path home = Files.createTempDirectory("wasmgrid-chaos");
    List<FaultInjector.Slot> slots = new ArrayList<>();
    try (LocalCluster cluster = new LocalCluster(launcher)) {
      List<String> urls = new ArrayList<>();
      for (int i = 0; i < options.workers(); i++) {
        int port = freePort();
        FaultInjector.Slot slot =
            new FaultInjector.Slot(port, new LinkRelay(port), home.resolve("worker-" + i));
        slot.node = cluster.start(slot.args());
        slots.add(slot);
        urls.add("http://127.0.0.1:" + slot.relay.port());
      }
      LocalCluster.Node coordinator =
          cluster.start(
              "serve",
              "--jobs-dir",
              home.resolve("jobs").toString(),
              "--port",
              "0",
              "--workers",
              String.join(",", urls),
              "--worker-timeout",
              WORKER_TIMEOUT.toString(),
              "--probe-interval",
              "PT0.5S",
              "--threads",
              "1");
      ChaosHttp http = new ChaosHttp(URI.create(coordinator.url()));
      StatefulWorkload.deploy(http, 5);
      List<Workload> workloads =
          List.of(new ProductWorkload(http), new SimWorkload(http), new StatefulWorkload(http));
      Tally tally = new Tally();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.seconds());
      report.progress(
          "chaos: "
              + options.seconds()
              + " s, "
              + options.workers()
              + " workers behind relays, coordinator "
              + coordinator.url());
      List<Thread> clients = new ArrayList<>();
      for (Workload workload : workloads) {
        SplittableRandom own = random.split();
        clients.add(
            Thread.ofPlatform()
                .name("chaos-" + workload.name())
                .start(() -> callUntil(deadline, workload, own, tally)));
      }
      FaultInjector faults = new FaultInjector(cluster, slots, random.split(), report::progress);
      try {
        faults.run(deadline);
      } finally {
        mend(slots);
      }
      for (Thread client : clients) {
        // Every call is bounded well under this; a client still busy after it is hung.
        client.join(Duration.ofMinutes(3));
        if (client.isAlive()) {
          tally.add(client.getName().substring("chaos-".length()), Verdict.HUNG, "never returned");
          client.interrupt();
        }
      }
      return report(options, tally, faults.injected(), report);
    } finally {
      for (FaultInjector.Slot slot : slots) {
        slot.relay.close();
      }
      Trees.delete(home);
    }
  }

  private static void callUntil(
      long deadline, Workload workload, SplittableRandom random, Tally tally) {
    while (System.nanoTime() < deadline) {
      Outcome outcome;
      try {
        outcome = workload.once(random);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        outcome = Outcome.of(Verdict.LOST, e.toString());
      }
      tally.add(workload.name(), outcome.verdict(), outcome.story());
    }
  }

  /** Every worker running and every link up, whatever fault was in progress. */
  private static void mend(List<FaultInjector.Slot> slots) {
    for (FaultInjector.Slot slot : slots) {
      slot.relay.heal();
      try {
        new ProcessBuilder("kill", "-CONT", Long.toString(slot.node.process().pid()))
            .inheritIO()
            .start()
            .waitFor();
      } catch (IOException e) {
        // the process is gone, which needs no mending
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static Result report(
      Options options,
      Tally tally,
      Map<FaultInjector.Fault, Integer> injected,
      BenchReport report) {
    List<String> names = new ArrayList<>(tally.workloads());
    names.add("all");
    for (String workload : names) {
      Map<String, Object> params = new LinkedHashMap<>();
      params.put("workload", workload);
      params.put("seconds", options.seconds());
      params.put("workers", options.workers());
      int calls = 0;
      for (Verdict verdict : Verdict.values()) {
        int count = workload.equals("all") ? tally.total(verdict) : tally.count(workload, verdict);
        calls += count;
        report.metric(BENCH, params, verdict.id(), count, "calls");
      }
      report.metric(BENCH, params, "calls", calls, "calls");
    }
    for (FaultInjector.Fault fault : FaultInjector.Fault.values()) {
      report.metric(
          BENCH, Map.of("fault", fault.id()), "faults", injected.getOrDefault(fault, 0), "faults");
    }
    tally.stories().forEach(story -> report.progress("chaos: " + story));
    int calls = 0;
    for (Verdict verdict : Verdict.values()) {
      calls += tally.total(verdict);
    }
    return new Result(
        calls, tally.total(Verdict.LOST), tally.total(Verdict.WRONG), tally.total(Verdict.HUNG));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
