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
      "f64 GFLOP/s in headless Chromium next to the JVM's kernels.",
      "The WasmGC and JavaScript builds on 1 and on all Web Workers, beside the JVM fast and"
          + " scalar kernels on as many threads, with ratios, in one run.",
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

  @Override
  public Integer call() {
    BrowserBench.run(new BrowserBench.Options(sizes), MatmulKernels::select, output.report());
    output.finish();
    return 0;
  }
}
