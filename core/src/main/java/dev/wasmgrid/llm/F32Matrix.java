package dev.wasmgrid.llm;

/** Float weights, row-major: element (r, c) at {@code data[r * cols + c]}. */
public final class F32Matrix implements WeightMatrix {
  private final int rows;
  private final int cols;
  private final float[] data;

  /** Wraps {@code data} (not copied); its length must be {@code rows * cols}. */
  public F32Matrix(int rows, int cols, float[] data) {
    if ((long) rows * cols != data.length) {
      throw new IllegalArgumentException(
          "F32 matrix "
              + rows
              + "x"
              + cols
              + " needs "
              + (long) rows * cols
              + " floats, got "
              + data.length);
    }
    this.rows = rows;
    this.cols = cols;
    this.data = data;
  }

  @Override
  public int rows() {
    return rows;
  }

  @Override
  public int cols() {
    return cols;
  }

  /** The backing array (shared, not copied). */
  public float[] data() {
    return data;
  }

  @Override
  public void row(int r, float[] dst) {
    System.arraycopy(data, r * cols, dst, 0, cols);
  }

  @Override
  public long bytes() {
    return 4L * data.length;
  }
}
