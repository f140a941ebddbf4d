package dev.wasmgrid.matmul;

import java.util.Arrays;

/** A dense row-major matrix of one {@link Dtype}. */
public sealed interface Matrix permits Matrix.F64, Matrix.F32 {

  int rows();

  int cols();

  Dtype dtype();

  /** Element (i, j) widened to double. */
  double get(int i, int j);

  /** A copy of rows [from, to). */
  Matrix rows(int from, int to);

  /** A copy of columns [from, to). */
  Matrix cols(int from, int to);

  /**
   * Copies {@code tile} into this matrix with its top-left corner at (row, col).
   *
   * @throws IllegalArgumentException if the dtypes differ or the tile does not fit
   */
  void put(int row, int col, Matrix tile);

  /** A double-precision matrix; it wraps its array without copying. */
  final class F64 implements Matrix {
    private final int rows;
    private final int cols;
    private final double[] data;

    public F64(int rows, int cols, double[] data) {
      checkShape(rows, cols, data.length);
      this.rows = rows;
      this.cols = cols;
      this.data = data;
    }

    /** A zero-filled matrix. */
    public static F64 zeros(int rows, int cols) {
      return new F64(rows, cols, new double[Math.multiplyExact(rows, cols)]);
    }

    @Override
    public int rows() {
      return rows;
    }

    @Override
    public int cols() {
      return cols;
    }

    /** The row-major elements (shared, not copied). */
    public double[] data() {
      return data;
    }

    @Override
    public Dtype dtype() {
      return Dtype.F64;
    }

    @Override
    public double get(int i, int j) {
      return data[i * cols + j];
    }

    @Override
    public F64 rows(int from, int to) {
      checkRange(from, to, rows, "rows");
      return new F64(to - from, cols, Arrays.copyOfRange(data, from * cols, to * cols));
    }

    @Override
    public F64 cols(int from, int to) {
      checkRange(from, to, cols, "columns");
      int width = to - from;
      double[] out = new double[rows * width];
      for (int i = 0; i < rows; i++) {
        System.arraycopy(data, i * cols + from, out, i * width, width);
      }
      return new F64(rows, width, out);
    }

    @Override
    public void put(int row, int col, Matrix tile) {
      if (!(tile instanceof F64 t)) {
        throw new IllegalArgumentException(
            "tile is " + tile.dtype().wireName() + ", not " + dtype().wireName());
      }
      checkFits(this, row, col, t);
      for (int i = 0; i < t.rows; i++) {
        System.arraycopy(t.data, i * t.cols, data, (row + i) * cols + col, t.cols);
      }
    }

    @Override
    public String toString() {
      return "f64[" + rows + "x" + cols + "]";
    }
  }

  /** A single-precision matrix; it wraps its array without copying. */
  final class F32 implements Matrix {
    private final int rows;
    private final int cols;
    private final float[] data;

    public F32(int rows, int cols, float[] data) {
      checkShape(rows, cols, data.length);
      this.rows = rows;
      this.cols = cols;
      this.data = data;
    }

    /** A zero-filled matrix. */
    public static F32 zeros(int rows, int cols) {
      return new F32(rows, cols, new float[Math.multiplyExact(rows, cols)]);
    }

    @Override
    public int rows() {
      return rows;
    }

    @Override
    public int cols() {
      return cols;
    }

    /** The row-major elements (shared, not copied). */
    public float[] data() {
      return data;
    }

    @Override
    public Dtype dtype() {
      return Dtype.F32;
    }

    @Override
    public double get(int i, int j) {
      return data[i * cols + j];
    }

    @Override
    public F32 rows(int from, int to) {
      checkRange(from, to, rows, "rows");
      return new F32(to - from, cols, Arrays.copyOfRange(data, from * cols, to * cols));
    }

    @Override
    public F32 cols(int from, int to) {
      checkRange(from, to, cols, "columns");
      int width = to - from;
      float[] out = new float[rows * width];
      for (int i = 0; i < rows; i++) {
        System.arraycopy(data, i * cols + from, out, i * width, width);
      }
      return new F32(rows, width, out);
    }

    @Override
    public void put(int row, int col, Matrix tile) {
      if (!(tile instanceof F32 t)) {
        throw new IllegalArgumentException(
            "tile is " + tile.dtype().wireName() + ", not " + dtype().wireName());
      }
      checkFits(this, row, col, t);
      for (int i = 0; i < t.rows; i++) {
        System.arraycopy(t.data, i * t.cols, data, (row + i) * cols + col, t.cols);
      }
    }

    @Override
    public String toString() {
      return "f32[" + rows + "x" + cols + "]";
    }
  }

  /**
   * C = A·B with the given kernel.
   *
   * @throws IllegalArgumentException if the dtypes differ or A's columns differ from B's rows
   */
  static Matrix multiply(Gemm gemm, Matrix a, Matrix b) {
    if (a.dtype() != b.dtype()) {
      throw new IllegalArgumentException(
          "A is " + a.dtype().wireName() + " but B is " + b.dtype().wireName());
    }
    if (a.cols() != b.rows()) {
      throw new IllegalArgumentException(
          "A is "
              + a.rows()
              + "x"
              + a.cols()
              + " but B is "
              + b.rows()
              + "x"
              + b.cols()
              + ": A's columns must equal B's rows");
    }
    return switch (a) {
      case F64 x -> {
        F64 c = F64.zeros(x.rows(), ((F64) b).cols());
        gemm.multiply(x.rows(), x.cols(), c.cols(), x.data(), ((F64) b).data(), c.data());
        yield c;
      }
      case F32 x -> {
        F32 c = F32.zeros(x.rows(), ((F32) b).cols());
        gemm.multiply(x.rows(), x.cols(), c.cols(), x.data(), ((F32) b).data(), c.data());
        yield c;
      }
    };
  }

  private static void checkRange(int from, int to, int size, String what) {
    if (from < 0 || to < from || to > size) {
      throw new IllegalArgumentException(
          what + " [" + from + ", " + to + ") are outside [0, " + size + ")");
    }
  }

  private static void checkFits(Matrix target, int row, int col, Matrix tile) {
    if (row < 0
        || col < 0
        || row + tile.rows() > target.rows()
        || col + tile.cols() > target.cols()) {
      throw new IllegalArgumentException(
          "a "
              + tile.rows()
              + "x"
              + tile.cols()
              + " tile at ("
              + row
              + ", "
              + col
              + ") does not fit "
              + target.rows()
              + "x"
              + target.cols());
    }
  }

  private static void checkShape(int rows, int cols, int length) {
    if (rows < 0 || cols < 0) {
      throw new IllegalArgumentException("shape must not be negative: " + rows + "x" + cols);
    }
    if ((long) rows * cols != length) {
      throw new IllegalArgumentException(
          "a "
              + rows
              + "x"
              + cols
              + " matrix needs "
              + (long) rows * cols
              + " elements, got "
              + length);
    }
  }
}
