package dev.wasmgrid.cli;

import dev.wasmgrid.bench.SimBench;
import dev.wasmgrid.bench.SimTiming;
import dev.wasmgrid.cli.progress.ProgressBar;
import dev.wasmgrid.cli.progress.ProgressMode;
import dev.wasmgrid.grid.HttpWorkerClient;
import dev.wasmgrid.grid.discovery.WorkerUrl;
import dev.wasmgrid.sim.NativeNeighbourSweep;
import dev.wasmgrid.sim.NeighbourSweep;
import dev.wasmgrid.sim.PartitionedSim;
import dev.wasmgrid.sim.ReferenceSim;
import dev.wasmgrid.sim.SimConfig;
import dev.wasmgrid.sim.Simulation;
import dev.wasmgrid.sim.StateHash;
import dev.wasmgrid.sim.VectorNeighbourSweep;
import dev.wasmgrid.sim.coordinator.DistributedSim;
import dev.wasmgrid.sim.coordinator.SimHost;
import dev.wasmgrid.sim.coordinator.WorkerSimHost;
import io.helidon.webclient.api.WebClient;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.LongConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code wasmgrid sim}: run the ecosystem simulation locally and print its speed and hash. */
@Command(
    name = "sim",
    mixinStandardHelpOptions = true,
    description = {
      "Run the ecosystem simulation on partitions (threads, or --workers).",
      "Partitions run on threads here, or on worker processes with --workers. Prints ms per tick (p50, p99), entity-updates/s, bytes per entity, and last hash=<hex>."
    })
final class SimCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--entities",
      defaultValue = "100000",
      description = "Initial population (default: ${DEFAULT-VALUE}).")
  int entities;

  @Option(
      names = "--ticks",
      defaultValue = "600",
      description = "Ticks to run (default: ${DEFAULT-VALUE}).")
  int ticks;

  @Option(
      names = "--partitions",
      defaultValue = "2",
      description = "Vertical strips, each stepped on its own thread (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(names = "--seed", defaultValue = "42", description = "World seed (default: 42).")
  long seed;

  @Option(
      names = "--workers",
      split = ",",
      paramLabel = "URL",
      description =
          "Run the partitions on these worker processes (http://HOST:PORT,...), driven from here"
              + " over HTTP; without it they run on threads here.")
  List<String> workers = List.of();

  @Option(
      names = "--checkpoint-every",
      defaultValue = "20",
      description =
          "With --workers: ticks between checkpoints; a failed worker's run rolls back to the"
              + " last one (default: ${DEFAULT-VALUE}).")
  int checkpointEvery;

  @Option(
      names = "--worker-timeout",
      defaultValue = "PT10S",
      description =
          "With --workers: a worker silent this long counts as failed (default: ${DEFAULT-VALUE}).")
  Duration workerTimeout;

  @Option(
      names = "--token",
      defaultValue = "${env:WASMGRID_TOKEN}",
      description = "Token for --workers (default: the WASMGRID_TOKEN environment variable).")
  String token;

  @Option(
      names = "--impl",
      defaultValue = "fast",
      description = "fast (grid, partitions) or ref (brute force O(n^2), one partition).")
  String impl;

  @Option(
      names = "--sweep",
      defaultValue = "native",
      description =
          "Neighbour sweep of the fast engine on threads: native (C, x86-64 Linux with AVX2;"
              + " elsewhere the vector one), vector (Vector API) or scalar (plain Java, what"
              + " browsers run); same results (default: ${DEFAULT-VALUE}).")
  String sweep;

  @Mixin ProgressOptions progress;

  /** CPU time of this process so far, or -1 where the JVM does not tell. */
  private static long processCpuNanos() {
    if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return -1;
  }

  private Simulation open(SimConfig config) {
    if (impl.equals("ref")) {
      return new ReferenceSim(config);
    }
    if (workers.isEmpty()) {
      return SimBench.fast(
          config,
          partitions,
          switch (sweep) {
            case "native" -> NativeNeighbourSweep.fastest();
            case "vector" -> new VectorNeighbourSweep();
            default -> NeighbourSweep.scalar();
          });
    }
    if (workerTimeout.isNegative() || workerTimeout.isZero()) {
      throw new IllegalArgumentException("worker-timeout must be > 0, got " + workerTimeout);
    }
    // No Nagle: each phase is one small request and answer per partition, and a delayed ACK
    // would hold the request's body back for ~40 ms.
    WebClient http =
        WebClient.builder()
            .socketOptions(socket -> socket.connectTimeout(workerTimeout).tcpNoDelay(true))
            .shareConnectionCache(false)
            .build();
    List<SimHost> hosts = new ArrayList<>();
    for (String url : workers) {
      hosts.add(
          new WorkerSimHost(
              new HttpWorkerClient(
                  WorkerUrl.parse(url.trim()),
                  http,
                  workerTimeout,
                  Optional.ofNullable(token).filter(t -> !t.isBlank()))));
    }
    System.err.println(
        "sim: " + partitions + (partitions == 1 ? " partition" : " partitions") + " on " + workers);
    return new DistributedSim(
        config,
        partitions,
        hosts,
        checkpointEvery,
        PartitionedSim.DEFAULT_REBALANCE_EVERY,
        System.err::println);
  }

  /**
   * What is shown after each tick: a bar, or (plain) a line on stderr every 2 s, which keeps stdout
   * to the results.
   */
  private LongConsumer onTick(ProgressMode mode, ProgressBar bar, Simulation sim) {
    return switch (mode) {
      case BAR ->
          done ->
              bar.update(
                  done, ticks, String.format(Locale.ROOT, "ticks, %d entities", sim.population()));
      case PLAIN -> {
        long[] lastReport = {System.nanoTime()};
        yield done -> {
          long now = System.nanoTime();
          if (now - lastReport[0] > 2_000_000_000L) {
            lastReport[0] = now;
            System.err.printf(
                Locale.ROOT, "sim: tick %d/%d, %d entities%n", done, ticks, sim.population());
          }
        };
      }
      case NONE, AUTO -> done -> {};
    };
  }

  /** The sweep that runs, and why not the native one where it was asked for and cannot run. */
  private String sweepName() {
    Optional<String> unavailable = NativeNeighbourSweep.unavailable();
    if (sweep.equals("native") && unavailable.isPresent()) {
      return "vector sweep; native unavailable: " + unavailable.get();
    }
    return sweep + " sweep";
  }

  @Override
  public Integer call() {
    if (ticks < 0) {
      throw new IllegalArgumentException("ticks must be >= 0, got " + ticks);
    }
    if (!List.of("native", "vector", "scalar").contains(sweep)) {
      throw new IllegalArgumentException("sweep must be native, vector or scalar, got " + sweep);
    }
    if (!impl.equals("fast") && !impl.equals("ref")) {
      throw new IllegalArgumentException("impl must be fast or ref, got " + impl);
    }
    if (!workers.isEmpty() && impl.equals("ref")) {
      throw new IllegalArgumentException("--workers runs the fast engine; drop --impl ref");
    }
    SimConfig config = SimConfig.of(entities, seed);
    PrintWriter out = spec.commandLine().getOut();
    try (Simulation sim = open(config)) {
      int parts = impl.equals("ref") ? 1 : partitions;
      out.printf(
          Locale.ROOT,
          "sim: %d entities, %s, %d partition%s, seed %d, world %d x %d, %d ticks%n",
          entities,
          impl.equals("fast") && workers.isEmpty() ? "fast (" + sweepName() + ")" : impl,
          parts,
          parts == 1 ? "" : "s",
          seed,
          config.width(),
          config.height(),
          ticks);
      long cpuBefore = processCpuNanos();
      ProgressMode mode = progress.mode();
      ProgressBar bar = mode == ProgressMode.BAR ? new ProgressBar(out, "sim") : null;
      SimTiming timing;
      try {
        timing = SimTiming.measure(sim, ticks, Long.MAX_VALUE, onTick(mode, bar, sim));
        if (bar != null) {
          bar.finish(
              String.format(
                  Locale.ROOT, "ticks, %d entities, %.1f s", sim.population(), timing.seconds()));
        }
      } finally {
        if (bar != null) {
          bar.finish("ticks, stopped"); // nothing when finished above
        }
      }
      long cpu = processCpuNanos() - cpuBefore;
      long bytes = sim.stateBytes();
      int population = sim.population();
      out.printf(Locale.ROOT, "tick ms: p50 %.3f  p99 %.3f%n", timing.p50Ms(), timing.p99Ms());
      out.printf(Locale.ROOT, "entity-updates/s: %.4g%n", timing.updatesPerSecond());
      if (cpu >= 0 && timing.ticks() > 0) {
        // CPU time is less disturbed than wall time when other work shares the cores.
        out.printf(
            Locale.ROOT, "cpu ms per tick (all threads): %.3f%n", cpu / 1e6 / timing.ticks());
      }
      out.printf(
          Locale.ROOT,
          "population: %d -> %d (%d predators)%n",
          entities,
          population,
          sim.predators());
      out.printf(
          Locale.ROOT,
          "state: %.1f MB, %d bytes per entity%n",
          bytes / 1e6,
          population == 0 ? 0 : bytes / population);
      if (sim instanceof PartitionedSim fast && timing.ticks() > 0) {
        long[] phases = fast.phaseNanos();
        out.printf(
            Locale.ROOT,
            "phases ms/tick: migrate %.3f  ghosts %.3f  step %.3f; %d rebalance%s, strips %s%n",
            phases[0] / 1e6 / timing.ticks(),
            phases[1] / 1e6 / timing.ticks(),
            phases[2] / 1e6 / timing.ticks(),
            fast.rebalances(),
            fast.rebalances() == 1 ? "" : "s",
            java.util.Arrays.toString(fast.layout().bounds()));
        long[] stepParts = fast.stepPartNanos();
        out.printf(
            Locale.ROOT,
            "step parts ms/tick, summed over partitions: grid %.3f  perceive+steer %.3f"
                + "  conflicts %.3f  life %.3f%n",
            stepParts[0] / 1e6 / sim.tick(),
            stepParts[1] / 1e6 / sim.tick(),
            stepParts[2] / 1e6 / sim.tick(),
            stepParts[3] / 1e6 / sim.tick());
      }
      if (sim instanceof DistributedSim remote && timing.ticks() > 0) {
        long[] phases = remote.phaseNanos();
        out.printf(
            Locale.ROOT,
            "phases ms/tick over HTTP: migrate %.3f  ghosts %.3f  step %.3f;"
                + " %d recover%s, %d tick%s replayed; partitions on %s%n",
            phases[0] / 1e6 / sim.tick(),
            phases[1] / 1e6 / sim.tick(),
            phases[2] / 1e6 / sim.tick(),
            remote.recoveries(),
            remote.recoveries() == 1 ? "y" : "ies",
            remote.replayedTicks(),
            remote.replayedTicks() == 1 ? "" : "s",
            remote.placement());
      }
      out.println("hash=" + StateHash.hex(sim.stateHash()));
      out.flush();
    }
    return 0;
  }
}
