package dev.wasmgrid.bench;

import dev.wasmgrid.sim.NativeNeighbourSweep;
import dev.wasmgrid.sim.NeighbourSweep;
import dev.wasmgrid.sim.PartitionedSim;
import dev.wasmgrid.sim.PhaseRunner;
import dev.wasmgrid.sim.ReferenceSim;
import dev.wasmgrid.sim.SimConfig;
import dev.wasmgrid.sim.Simulation;
import dev.wasmgrid.sim.ThreadPhases;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code wasmgrid bench sim}: tick times, CPU and allocation per tick of the fast engine per entity
 * count and partition count, and tick times of the O(n²) reference engine in the same run. The
 * reference only runs up to {@link Options#refMaxEntities} and for at most {@link Options#refTicks}
 * ticks or {@link Options#refBudget}, whichever ends first: at 100k entities one of its ticks takes
 * minutes. Worlds of {@link Options#largeFrom} entities or more (a million: half a second of CPU a
 * tick) run only on the largest partition count, for a few ticks.
 */
public final class SimBench {

  private static final String BENCH = "sim";

  /** Most untimed ticks before a (small) cell while the JIT is still compiling. */
  static final int MAX_WARM_UP = 400;

  private SimBench() {}

  /**
   * What to measure.
   *
   * @param entities initial populations
   * @param partitions partition counts of the fast engine (each on its own thread)
   * @param warmUpTicks untimed ticks before each fast cell (JIT, caches) at least: more while the
   *     JIT is still compiling, up to {@link #MAX_WARM_UP} ({@link SimTiming#warmUp})
   * @param ticks timed ticks per fast cell, at most
   * @param budget time per fast cell, at most (at least one tick is timed)
   * @param refMaxEntities largest population the reference runs
   * @param refTicks timed reference ticks, at most
   * @param refBudget time per reference cell, at most
   * @param seed world seed
   * @param largeFrom populations from which a world counts as large
   * @param largeWarmUpTicks untimed ticks before a large cell
   * @param largeTicks timed ticks per large cell, at most
   */
  public record Options(
      List<Integer> entities,
      List<Integer> partitions,
      int warmUpTicks,
      int ticks,
      Duration budget,
      int refMaxEntities,
      int refTicks,
      Duration refBudget,
      long seed,
      int largeFrom,
      int largeWarmUpTicks,
      int largeTicks) {

    public Options {
      entities = List.copyOf(entities);
      partitions = List.copyOf(partitions);
      if (entities.isEmpty() || partitions.isEmpty()) {
        throw new IllegalArgumentException("entities and partitions must not be empty");
      }
      if (warmUpTicks < 0 || ticks < 1 || refTicks < 0) {
        throw new IllegalArgumentException(
            "ticks must be >= 1 and warm-up and ref ticks >= 0, got "
                + ticks
                + ", "
                + warmUpTicks
                + ", "
                + refTicks);
      }
      if (largeWarmUpTicks < 0 || largeTicks < 1) {
        throw new IllegalArgumentException(
            "large ticks must be >= 1 and large warm-up ticks >= 0, got "
                + largeTicks
                + ", "
                + largeWarmUpTicks);
      }
    }
  }

  /** Runs every cell, reporting each as soon as it is measured. */
  public static void run(Options options, BenchReport report) {
    int mostPartitions = options.partitions().stream().mapToInt(Integer::intValue).max().orElse(1);
    for (int n : options.entities()) {
      SimConfig config = SimConfig.of(n, options.seed());
      boolean large = n >= options.largeFrom();
      List<Integer> partitionCounts = large ? List.of(mostPartitions) : options.partitions();
      int warmUp = large ? options.largeWarmUpTicks() : options.warmUpTicks();
      int ticks = large ? Math.min(options.ticks(), options.largeTicks()) : options.ticks();
      for (int parts : partitionCounts) {
        report.progress(
            "sim %d entities, %d partition%s, fast ...".formatted(n, parts, parts == 1 ? "" : "s"));
        try (Simulation sim = fast(config, parts)) {
          // Large worlds take a tenth of a second a tick: their few warm-up ticks stay as given.
          SimTiming.warmUp(sim, warmUp, large ? warmUp : MAX_WARM_UP);
          SimTiming timing = SimTiming.measure(sim, ticks, options.budget().toNanos(), t -> {});
          emit(report, n, parts, "fast", timing, sim.stateBytes());
        }
      }
      if (n <= options.refMaxEntities() && options.refTicks() > 0) {
        report.progress(
            "sim %d entities, reference (O(n^2), at most %d ticks or %s) ..."
                .formatted(n, options.refTicks(), options.refBudget()));
        try (Simulation sim = new ReferenceSim(config)) {
          SimTiming timing =
              SimTiming.measure(sim, options.refTicks(), options.refBudget().toNanos(), t -> {});
          emit(report, n, 1, "ref", timing, sim.stateBytes());
        }
      }
    }
  }

  /**
   * The fast engine as the JVM runs it: the fastest neighbour sweep here ({@link
   * NativeNeighbourSweep#fastest}: same results as the plain one); with more than one partition,
   * the others run on their own threads.
   */
  public static PartitionedSim fast(SimConfig config, int partitions) {
    return fast(config, partitions, NativeNeighbourSweep.fastest());
  }

  /** The fast engine with the given neighbour sweep. */
  public static PartitionedSim fast(SimConfig config, int partitions, NeighbourSweep sweep) {
    PhaseRunner runner = partitions > 1 ? new ThreadPhases(partitions - 1) : PhaseRunner.SEQUENTIAL;
    try {
      return new PartitionedSim(config, partitions, runner, sweep);
    } catch (RuntimeException e) {
      runner.close();
      throw e;
    }
  }

  private static void emit(
      BenchReport report, int n, int parts, String impl, SimTiming timing, long stateBytes) {
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("entities", n);
    params.put("partitions", parts);
    params.put("impl", impl);
    report.metric(BENCH, params, "tick_p50_ms", timing.p50Ms(), "ms");
    report.metric(BENCH, params, "tick_p99_ms", timing.p99Ms(), "ms");
    report.metric(BENCH, params, "state_bytes", (double) stateBytes, "B");
    report.metric(BENCH, params, "cpu_ms_per_tick", timing.cpuMsPerTick(), "ms");
    report.metric(BENCH, params, "alloc_bytes_per_tick", timing.allocatedBytesPerTick(), "B");
  }
}
