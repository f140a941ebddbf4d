package dev.wasmgrid.matmul;

import java.util.Random;

/**
 * Deterministic random operands for tests, benchmarks and the CLI: the same seed gives the same
 * elements on every JVM, because {@link Random}'s algorithm is fixed by its specification.
 */
public final class RandomMatrices {

  private RandomMatrices() {}

  /** A rows × cols row-major f64 matrix with elements uniform in [-1, 1). */
  public static double[] f64(int rows, int cols, long seed) {
    Random random = new Random(seed);
    double[] data = new double[length(rows, cols)];
    for (int i = 0; i < data.length; i++) {
      data[i] = 2 * random.nextDouble() - 1;
    }
    return data;
  }

  /** A rows × cols row-major f32 matrix with elements uniform in [-1, 1). */
  public static float[] f32(int rows, int cols, long seed) {
    Random random = new Random(seed);
    float[] data = new float[length(rows, cols)];
    for (int i = 0; i < data.length; i++) {
      data[i] = 2 * random.nextFloat() - 1;
    }
    return data;
  }

  /**
   * A rows × cols f64 matrix of integers in [-8, 8]: products of such matrices sum exactly in any
   * order (each partial sum is an integer far below 2^53), so C is the same bit for bit whichever
   * kernel, tiling or worker computed it.
   */
  public static Matrix.F64 integers(int rows, int cols, long seed) {
    Random random = new Random(seed);
    double[] data = new double[length(rows, cols)];
    for (int i = 0; i < data.length; i++) {
      data[i] = random.nextInt(17) - 8;
    }
    return new Matrix.F64(rows, cols, data);
  }

  /** A random matrix of the given dtype, wrapped. */
  public static Matrix of(Dtype dtype, int rows, int cols, long seed) {
    return switch (dtype) {
      case F64 -> new Matrix.F64(rows, cols, f64(rows, cols, seed));
      case F32 -> new Matrix.F32(rows, cols, f32(rows, cols, seed));
    };
  }

  private static int length(int rows, int cols) {
    if (rows < 0 || cols < 0) {
      throw new IllegalArgumentException("shape must not be negative: " + rows + "x" + cols);
    }
    return Math.multiplyExact(rows, cols);
  }
}
