package dev.wasmgrid.matmul.worker;

import dev.wasmgrid.matmul.Gemm;
import dev.wasmgrid.matmul.GemmSelector;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.matmul.VectorGemm;
import dev.wasmgrid.matmul.blas.OpenBlasGemm;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Chooses a worker's matmul kernel at start-up: the fastest one that proves correct here. */
public final class MatmulKernels {
  private static final Logger LOG = LoggerFactory.getLogger(MatmulKernels.class);
  private static final long SELF_CHECK_SEED = 20261121L;

  private MatmulKernels() {}

  /**
   * Runs the self-check over native BLAS and the Vector API kernel, logs the choice and the reason,
   * and returns the chosen kernel ({@link ReferenceGemm} only if neither is correct).
   */
  public static Gemm select(int threads) {
    GemmSelector.Selection selection =
        new GemmSelector(SELF_CHECK_SEED)
            .select(
                List.of(
                    OpenBlasGemm.candidate("blas", threads),
                    new GemmSelector.Candidate(
                        "vector",
                        () -> new GemmSelector.Loaded(new VectorGemm(threads), "Vector API"))),
                new ReferenceGemm(threads));
    LOG.info(
        "matmul kernel ({} thread{}): {}", threads, threads == 1 ? "" : "s", selection.reason());
    for (GemmSelector.CandidateReport report : selection.reports()) {
      report.rejection().ifPresent(why -> LOG.info("  {} not chosen: {}", report.name(), why));
    }
    return selection.chosen();
  }
}
