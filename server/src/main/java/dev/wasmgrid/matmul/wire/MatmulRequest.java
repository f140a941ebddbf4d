package dev.wasmgrid.matmul.wire;

import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.matmul.Matrix;

/** The operands of C = A·B, decoded and checked: same dtype, A's columns equal B's rows. */
public record MatmulRequest(Matrix a, Matrix b) {

  /**
   * Checks that the operands can be multiplied.
   *
   * @throws Failure 400 {@code shape_mismatch} or {@code dtype_mismatch}, naming B
   */
  public MatmulRequest {
    if (a.dtype() != b.dtype()) {
      throw Failure.invalid(
          "dtype_mismatch",
          "B",
          "A is " + a.dtype().wireName() + " but B is " + b.dtype().wireName());
    }
    if (a.cols() != b.rows()) {
      throw Failure.invalid(
          "shape_mismatch",
          "B",
          "A is "
              + a.rows()
              + "x"
              + a.cols()
              + " and B is "
              + b.rows()
              + "x"
              + b.cols()
              + ": B must have as many rows as A has columns ("
              + a.cols()
              + ")");
    }
  }

  /** Floating-point operations of the product: 2·m·k·n. */
  public double flops() {
    return 2.0 * a.rows() * a.cols() * b.cols();
  }
}
