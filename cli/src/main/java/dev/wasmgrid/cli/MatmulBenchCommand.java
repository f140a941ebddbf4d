package dev.wasmgrid.cli;

import dev.wasmgrid.bench.MatmulBench;
import dev.wasmgrid.matmul.Dtype;
import dev.wasmgrid.matmul.GemmUnavailableException;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.matmul.VectorGemm;
import dev.wasmgrid.matmul.blas.OpenBlasGemm;
import dev.wasmgrid.matmul.worker.WasmGemm;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code wasmgrid bench matmul}: reference vs Vector API vs BLAS, and the wasm kernel on small
 * sizes, measured in one run.
 */
@Command(
    name = "matmul",
    mixinStandardHelpOptions = true,
    description = {
      "GFLOP/s of the ref, Vector API and BLAS kernels, and their ratios.",
      "All measured in one run, on 1 thread and on all cores."
    })
final class MatmulBenchCommand implements Callable<Integer> {

  @Mixin BenchReports output;

  @Option(
      names = "--sizes",
      split = ",",
      defaultValue = "256,512,1024,2048",
      description = "n of the n x n products (default: ${DEFAULT-VALUE}).")
  List<Integer> sizes;

  @Option(
      names = "--dtype",
      split = ",",
      defaultValue = "f64,f32",
      description = "Element types (default: ${DEFAULT-VALUE}).")
  List<String> dtypes;

  @Option(
      names = "--threads",
      split = ",",
      description = "Thread counts (default: 1 and all cores).")
  List<Integer> threads;

  @Option(
      names = "--budget",
      defaultValue = "PT1S",
      description = "Time per measurement, warm-up included (default: ${DEFAULT-VALUE}).")
  Duration budget;

  @Option(names = "--seed", defaultValue = "42", description = "Operand seed (default: 42).")
  long seed;

  @Option(
      names = "--wasm-max-n",
      defaultValue = "256",
      description =
          "Largest n the wasm kernel (impl=wasm, f64, 1 thread) is measured at"
              + " (default: ${DEFAULT-VALUE}; 0 leaves it out).")
  int wasmMaxN;

  @Override
  public Integer call() {
    MatmulBench.Options defaults = MatmulBench.Options.defaults();
    MatmulBench.Options options =
        new MatmulBench.Options(
            sizes,
            dtypes.stream().map(Dtype::parse).toList(),
            threads == null ? defaults.threads() : threads,
            budget,
            seed,
            Stream.concat(
                    defaults.ratios().stream(),
                    Stream.of(new MatmulBench.Ratio("wasm", MatmulBench.REFERENCE)))
                .toList());
    List<MatmulBench.Impl> impls = new ArrayList<>();
    impls.add(new MatmulBench.Impl(MatmulBench.REFERENCE, ReferenceGemm::new));
    impls.add(new MatmulBench.Impl("vector", VectorGemm::new));
    // The wasm kernel runs at about 1 GFLOP/s on one thread: measured where that stays short.
    impls.add(
        new MatmulBench.Impl(
            "wasm",
            threads -> new WasmGemm(),
            cell -> cell.n() <= wasmMaxN && cell.dtype() == Dtype.F64 && cell.threads() == 1));
    try {
      OpenBlasGemm.load(1);
      impls.add(new MatmulBench.Impl("blas", MatmulBenchCommand::blas));
    } catch (GemmUnavailableException e) {
      System.err.println("bench: BLAS left out: " + e.getMessage());
    }
    MatmulBench.run(
        options,
        impls,
        output.json
            ? MatmulBench.Output.jsonLines(output.out(), output.notes())
            : MatmulBench.Output.table(output.out(), output.notes()));
    output.finish();
    return 0;
  }

  /** OpenBLAS already loaded once above, so a later load cannot fail for a new reason. */
  private static OpenBlasGemm blas(int threads) {
    try {
      return OpenBlasGemm.load(threads);
    } catch (GemmUnavailableException e) {
      throw new IllegalStateException(e);
    }
  }
}
