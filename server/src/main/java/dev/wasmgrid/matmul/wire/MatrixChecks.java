package dev.wasmgrid.matmul.wire;

import dev.wasmgrid.matmul.Matrix;

/** Finds non-finite entries, which the API rejects in operands and results alike. */
public final class MatrixChecks {
  private MatrixChecks() {}

  /** Row-major index of the first NaN or infinite entry, or -1 when all are finite. */
  public static long firstNonFinite(Matrix matrix) {
    return firstNonFinite(matrix, 0, (long) matrix.rows() * matrix.cols());
  }

  /** The index of the first NaN or infinite element in [from, to), or -1 when there is none. */
  public static long firstNonFinite(Matrix matrix, long from, long to) {
    switch (matrix) {
      case Matrix.F64 x -> {
        double[] d = x.data();
        for (int i = (int) from; i < to; i++) {
          if (!Double.isFinite(d[i])) {
            return i;
          }
        }
      }
      case Matrix.F32 x -> {
        float[] d = x.data();
        for (int i = (int) from; i < to; i++) {
          if (!Float.isFinite(d[i])) {
            return i;
          }
        }
      }
    }
    return -1;
  }

  /** The entry's name for error messages, e.g. {@code C[1][0]}. */
  public static String entryName(String field, Matrix matrix, long index) {
    return field + "[" + index / matrix.cols() + "][" + index % matrix.cols() + "]";
  }

  /** The entry at a row-major index, widened to double. */
  public static double value(Matrix matrix, long index) {
    return matrix.get((int) (index / matrix.cols()), (int) (index % matrix.cols()));
  }
}
