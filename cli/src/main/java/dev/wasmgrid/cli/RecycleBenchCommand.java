package dev.wasmgrid.cli;

import dev.wasmgrid.bench.LocalCluster;
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
      "The recycling proxy on the prover module: swap times, call latency, instantiations/s,"
          + " a leak storm's resident memory.",
      "Swap time by replay and by snapshot per state size, call latency p50/p99 with and"
          + " without swaps, instantiations per second, and a worker process's resident set"
          + " (rss_mb, phase before|peak|after) under 8 clients x 250 leaking calls."
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

  @Option(
      names = "--storm-clients",
      defaultValue = "8",
      description = "Clients in the leak storm on a worker process (default: ${DEFAULT-VALUE}).")
  int stormClients;

  @Option(
      names = "--storm-calls",
      defaultValue = "250",
      description = "Calls each leak-storm client makes (default: ${DEFAULT-VALUE}).")
  int stormCalls;

  @Override
  public Integer call() throws Exception {
    if (swaps < 1 || calls < 100 || stateMib.stream().anyMatch(m -> m < 1 || m > 1024)) {
      throw new IllegalArgumentException(
          "--swaps must be >= 1, --calls >= 100 and each --state-mib from 1 to 1024");
    }
    if (stormClients < 1 || stormClients > 64 || stormCalls < 1) {
      throw new IllegalArgumentException(
          "--storm-clients must be from 1 to 64 and --storm-calls >= 1");
    }
    RecycleBench.Options defaults = RecycleBench.defaults();
    RecycleBench.run(
        new RecycleBench.Options(
            stateMib,
            swaps,
            calls,
            defaults.latencyStateMib(),
            defaults.leakKib(),
            stormClients,
            stormCalls),
        LocalCluster.sameJvm(Main.class.getName()),
        output.report());
    output.finish();
    return 0;
  }
}
