package dev.wasmgrid.cli;

import dev.wasmgrid.bench.DistributedBench;
import dev.wasmgrid.bench.LocalCluster;
import dev.wasmgrid.matmul.worker.MatmulKernels;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code wasmgrid bench distributed}: local vs 1 and 2 worker processes, in one run. */
@Command(
    name = "distributed",
    mixinStandardHelpOptions = true,
    description = {
      "f64 products local (all cores) vs split over worker processes on loopback.",
      "Prints GFLOP/s, seconds, bytes moved and efficiency vs local, all in one run."
    })
final class DistributedBenchCommand implements Callable<Integer> {

  @Mixin BenchReports output;

  @Option(
      names = "--sizes",
      split = ",",
      defaultValue = "1024,2048,4096",
      description = "n of the n x n products (default: ${DEFAULT-VALUE}).")
  List<Integer> sizes;

  @Option(
      names = "--workers",
      split = ",",
      defaultValue = "0,1,2",
      description = "Worker process counts, 0 = local (default: ${DEFAULT-VALUE}).")
  List<Integer> workers;

  @Option(names = "--seed", defaultValue = "42", description = "Operand seed (default: 42).")
  long seed;

  @Override
  public Integer call() throws Exception {
    DistributedBench.run(
        new DistributedBench.Options(sizes, workers, seed),
        MatmulKernels.select(Runtime.getRuntime().availableProcessors()),
        LocalCluster.sameJvm(Main.class.getName()),
        output.report());
    output.finish();
    return 0;
  }
}
