package dev.wasmgrid.cli;

import dev.wasmgrid.bench.SimBench;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code wasmgrid bench sim}: fast engine on 1 and 2 partitions (a million entities on 2 only, for
 * a few ticks) vs the O(n²) reference.
 */
@Command(
    name = "sim",
    mixinStandardHelpOptions = true,
    description = {
      "Tick times, CPU and allocation per tick and state bytes of the simulation's engines.",
      "The fast engine on 1 and 2 partitions (p50, p99; large worlds on the most partitions"
          + " only, for a few ticks), and the brute-force reference (small sizes only, few"
          + " ticks), in the same run."
    })
final class SimBenchCommand implements Callable<Integer> {

  @Mixin BenchReports output;

  @Option(
      names = "--entities",
      split = ",",
      defaultValue = "10000,25000,50000,100000,1000000",
      description = "Initial populations (default: ${DEFAULT-VALUE}).")
  List<Integer> entities;

  @Option(
      names = "--partitions",
      split = ",",
      defaultValue = "1,2",
      description = "Partition counts of the fast engine (default: ${DEFAULT-VALUE}).")
  List<Integer> partitions;

  @Option(
      names = "--ticks",
      defaultValue = "200",
      description = "Timed ticks per fast cell, at most (default: ${DEFAULT-VALUE}).")
  int ticks;

  @Option(
      names = "--warm-up",
      defaultValue = "30",
      description =
          "Untimed ticks before each fast cell, at least: more (up to 400) until the JIT has"
              + " compiled nothing for 20 ticks, then one garbage collection, so that the timed"
              + " ticks are the steady state (default: ${DEFAULT-VALUE}).")
  int warmUp;

  @Option(
      names = "--budget",
      defaultValue = "PT15S",
      description = "Time per fast cell, at most (default: ${DEFAULT-VALUE}).")
  Duration budget;

  @Option(
      names = "--ref-max-entities",
      defaultValue = "10000",
      description = "Largest population the O(n^2) reference runs (default: ${DEFAULT-VALUE}).")
  int refMaxEntities;

  @Option(
      names = "--ref-ticks",
      defaultValue = "3",
      description = "Timed reference ticks, at most; 0 skips it (default: ${DEFAULT-VALUE}).")
  int refTicks;

  @Option(
      names = "--ref-budget",
      defaultValue = "PT10S",
      description = "Time per reference cell, at most (default: ${DEFAULT-VALUE}).")
  Duration refBudget;

  @Option(names = "--seed", defaultValue = "42", description = "World seed (default: 42).")
  long seed;

  @Option(
      names = "--large-from",
      defaultValue = "500000",
      description =
          "Populations from which a world runs only on the largest partition count, with"
              + " --large-warm-up and --large-ticks (default: ${DEFAULT-VALUE}).")
  int largeFrom;

  @Option(
      names = "--large-warm-up",
      defaultValue = "3",
      description = "Untimed ticks before each large cell (default: ${DEFAULT-VALUE}).")
  int largeWarmUp;

  @Option(
      names = "--large-ticks",
      defaultValue = "10",
      description = "Timed ticks per large cell, at most (default: ${DEFAULT-VALUE}).")
  int largeTicks;

  @Override
  public Integer call() {
    SimBench.run(
        new SimBench.Options(
            entities,
            partitions,
            warmUp,
            ticks,
            budget,
            refMaxEntities,
            refTicks,
            refBudget,
            seed,
            largeFrom,
            largeWarmUp,
            largeTicks),
        output.report());
    output.finish();
    return 0;
  }
}
