package dev.wasmgrid.matmul;

/** A dense row-major matrix of one {@link Dtype}. */
public sealed interface Matrix permits Matrix.F64, Matrix.F32 {

  int rows();

  int cols();

  Dtype dtype();

  /** Element (i, j) widened to double. */
  double get(int i, int j);

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
