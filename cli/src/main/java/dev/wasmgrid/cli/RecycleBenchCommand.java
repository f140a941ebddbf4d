package dev.wasmgrid.cli;

import dev.wasmgrid.bench.RecycleBench;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code wasmgrid bench recycle}: swap times, call latency with swaps, instantiations/s. */
@Command(
    name = "recycle",
    mixinStandardHelpOptions = true,
    description = {
      "The recycling proxy on the prover module: swap times, call latency, instantiations/s.",
      "Swap time by replay and by snapshot per state size, call latency p50/p99 with and"
          + " without swaps, and instantiations per second."
    })
final class RecycleBenchCommand implements Callable<Integer> {

  @Mixin BenchReports output;

  @Option(
      names = "--state-mib",
      split = ",",
      defaultValue = "1,16,64",
      description = "State sizes in MiB for the swap times (default: ${DEFAULT-VALUE}).")
  List<Integer> stateMib;

  @Option(
      names = "--swaps",
      defaultValue = "5",
      description = "Swaps timed per size and method (default: ${DEFAULT-VALUE}).")
  int swaps;

  @Option(
      names = "--calls",
      defaultValue = "1000",
      description = "Calls timed with and without swaps (default: ${DEFAULT-VALUE}).")
  int calls;

  @Override
  public Integer call() throws Exception {
    if (swaps < 1 || calls < 100 || stateMib.stream().anyMatch(m -> m < 1 || m > 1024)) {
      throw new IllegalArgumentException(
          "--swaps must be >= 1, --calls >= 100 and each --state-mib from 1 to 1024");
    }
    RecycleBench.Options defaults = RecycleBench.defaults();
    RecycleBench.run(
        new RecycleBench.Options(
            stateMib, swaps, calls, defaults.latencyStateMib(), defaults.leakKib()),
        output.report());
    output.finish();
    return 0;
  }
}
