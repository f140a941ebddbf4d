package dev.wasmgrid.cli;

import dev.wasmgrid.bench.BrowserBench;
import dev.wasmgrid.matmul.worker.MatmulKernels;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code wasmgrid bench browser}: the web app's in-browser speed next to the JVM's kernels. */
@Command(
    name = "browser",
    mixinStandardHelpOptions = true,
    description = {
      "f64 GFLOP/s and simulation ticks in headless Chromium next to the JVM's kernels.",
      "First the in-browser simulation (WasmGC kernel, 2 partitions in 2 Web Workers):"
          + " tick_p50_ms and tick_p99_ms beside the JVM on 2 threads with the same plain-Java"
          + " neighbour sweep (jvm-scalar) and with its fastest one (jvm-fast: C where it loads,"
          + " else the Vector API), after 300"
          + " warm-up ticks; the worlds must reach the same state hash.",
      "Then the WasmGC and JavaScript builds on 1 and on all Web Workers, beside the JVM fast"
          + " and scalar kernels on as many threads, with ratios, in one run.",
      "Needs /usr/bin/chromium (apt-get install -y chromium)."
    })
final class BrowserBenchCommand implements Callable<Integer> {

  @Mixin BenchReports output;

  @Option(
      names = "--sizes",
      split = ",",
      defaultValue = "256,512",
      description = "n of the n x n products (default: ${DEFAULT-VALUE}).")
  List<Integer> sizes;

  @Option(
      names = "--sim-entities",
      defaultValue = "10000",
      description =
          "Entities of the in-browser simulation's world, 0 for none (default: ${DEFAULT-VALUE}).")
  int simEntities;

  @Option(
      names = "--sim-ticks",
      defaultValue = "100",
      description = "Timed ticks of that world (default: ${DEFAULT-VALUE}).")
  int simTicks;

  @Override
  public Integer call() {
    BrowserBench.run(
        new BrowserBench.Options(sizes, simEntities, simTicks),
        MatmulKernels::select,
        output.report());
    output.finish();
    return 0;
  }
}
