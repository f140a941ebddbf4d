package dev.wasmgrid.cli;

import dev.wasmgrid.matmul.Gemm;
import dev.wasmgrid.matmul.ReferenceGemm;

/** Chooses the matmul kernel at start-up. */
final class Kernels {
  private Kernels() {}

  static Gemm select(int threads) {
    return new ReferenceGemm(threads);
  }
}
