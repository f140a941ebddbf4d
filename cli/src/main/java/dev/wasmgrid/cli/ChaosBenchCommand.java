package dev.wasmgrid.cli;

import dev.wasmgrid.bench.LocalCluster;
import dev.wasmgrid.bench.chaos.ChaosBench;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code wasmgrid bench chaos}: calls under random worker kills, stops and link faults. */
@Command(
    name = "chaos",
    mixinStandardHelpOptions = true,
    description = {
      "Products, live simulations and stateful module calls through a coordinator while worker"
          + " processes are killed, frozen (SIGSTOP) and cut off at random.",
      "Prints the calls made and how many were ok, refused (a documented error), lost, wrong and"
          + " hung; exits 1 unless lost, wrong and hung are all 0."
    })
final class ChaosBenchCommand implements Callable<Integer> {

  @Mixin BenchReports output;

  @Option(
      names = "--seconds",
      defaultValue = "120",
      description = "How long faults are injected and calls made (default: ${DEFAULT-VALUE}).")
  int seconds;

  @Option(
      names = "--workers",
      defaultValue = "3",
      description = "Worker processes (default: ${DEFAULT-VALUE}).")
  int workers;

  @Option(
      names = "--seed",
      defaultValue = "1",
      description = "Seed of the faults and the calls (default: ${DEFAULT-VALUE}).")
  long seed;

  @Override
  public Integer call() throws Exception {
    ChaosBench.Result result =
        ChaosBench.run(
            new ChaosBench.Options(seconds, workers, seed),
            LocalCluster.sameJvm(Main.class.getName()),
            output.report());
    output.finish();
    return result.passed() ? 0 : 1;
  }
}
