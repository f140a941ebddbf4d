package dev.wasmgrid.matmul;

/**
 * Dense matrix multiplication C = A·B on row-major arrays: A is m×k, B is k×n, C is m×n and is
 * overwritten. Implementations are safe to call from several threads at once.
 */
public interface Gemm {

  /** Short stable name used in logs, metrics and benchmark lines, e.g. {@code vector}. */
  String name();

  /** How many threads one multiplication uses. */
  int threads();

  /** Multiplies double-precision matrices. */
  void multiply(int m, int k, int n, double[] a, double[] b, double[] c);

  /** Multiplies single-precision matrices. */
  void multiply(int m, int k, int n, float[] a, float[] b, float[] c);

  /**
   * Checks that the arrays hold the shapes given.
   *
   * @throws IllegalArgumentException if a dimension is negative or an array has the wrong length
   */
  static void checkShapes(int m, int k, int n, int aLength, int bLength, int cLength) {
    if (m < 0 || k < 0 || n < 0) {
      throw new IllegalArgumentException(
          "dimensions must not be negative: m=" + m + " k=" + k + " n=" + n);
    }
    checkLength("A", (long) m * k, aLength);
    checkLength("B", (long) k * n, bLength);
    checkLength("C", (long) m * n, cLength);
  }

  private static void checkLength(String name, long expected, int actual) {
    if (expected != actual) {
      throw new IllegalArgumentException(
          name + " has " + actual + " elements but its shape needs " + expected);
    }
  }
}
