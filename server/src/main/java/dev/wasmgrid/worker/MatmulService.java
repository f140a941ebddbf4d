package dev.wasmgrid.worker;

import dev.wasmgrid.http.ApiError;
import dev.wasmgrid.matmul.Gemm;
import dev.wasmgrid.matmul.Matrix;
import dev.wasmgrid.matmul.wire.MatmulRequest;
import dev.wasmgrid.matmul.wire.MatrixChecks;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** Multiplies checked operands with the worker's kernel and counts the work done. */
public final class MatmulService {
  private final Gemm gemm;
  private final Counter flops;

  public MatmulService(Gemm gemm, MeterRegistry registry) {
    this.gemm = gemm;
    this.flops =
        Counter.builder("wasmgrid.matmul.flops")
            .description("Floating-point operations computed by matmul")
            .tag("backend", gemm.name())
            .register(registry);
  }

  /**
   * C = A·B.
   *
   * @throws ApiError 422 {@code non_finite_result} when the product overflows: JSON cannot carry it
   *     and it is almost always a mistake in the operands
   */
  public Matrix multiply(MatmulRequest request) {
    Matrix c = Matrix.multiply(gemm, request.a(), request.b());
    flops.increment(request.flops());
    long at = MatrixChecks.firstNonFinite(c);
    if (at >= 0) {
      String name = MatrixChecks.entryName("C", c, at);
      throw new ApiError(
          422,
          "non_finite_result",
          "",
          name
              + " is "
              + MatrixChecks.value(c, at)
              + ": the product overflows "
              + c.dtype().wireName()
              + "; scale the operands down");
    }
    return c;
  }

  /** The kernel's name, e.g. {@code blas} or {@code vector}. */
  public String backend() {
    return gemm.name();
  }
}
