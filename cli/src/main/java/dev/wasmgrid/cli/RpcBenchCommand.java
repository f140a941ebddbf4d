package dev.wasmgrid.cli;

import dev.wasmgrid.bench.LocalCluster;
import dev.wasmgrid.bench.RpcBench;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code wasmgrid bench rpc}: the seed request direct to a worker vs through a coordinator. */
@Command(
    name = "rpc",
    mixinStandardHelpOptions = true,
    description = {
      "The seed's 2x2 request straight to a worker process vs through a coordinator.",
      "Prints p50/p99 latency and requests/s under concurrent clients, in one run."
    })
final class RpcBenchCommand implements Callable<Integer> {

  @Mixin BenchReports output;

  @Option(
      names = "--samples",
      defaultValue = "2000",
      description = "Sequential requests timed per path (default: ${DEFAULT-VALUE}).")
  int samples;

  @Option(
      names = "--clients",
      defaultValue = "16",
      description = "Concurrent clients for requests/s (default: ${DEFAULT-VALUE}).")
  int clients;

  @Option(
      names = "--duration",
      defaultValue = "PT10S",
      description = "Throughput phase per path (default: ${DEFAULT-VALUE}).")
  Duration duration;

  @Override
  public Integer call() throws Exception {
    RpcBench.run(
        new RpcBench.Options(samples, clients, duration),
        LocalCluster.sameJvm(Main.class.getName()),
        output.report());
    output.finish();
    return 0;
  }
}
