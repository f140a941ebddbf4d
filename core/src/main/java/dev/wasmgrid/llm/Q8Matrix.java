package dev.wasmgrid.llm;

/**
 * Weights quantized in groups of {@value #GROUP} along a row: element (r, c) is {@code quants[r *
 * cols + c] * scales[(r * cols + c) / GROUP]}. Holds Q8_0 tensors, and Q4_0 ones widened to a byte
 * per weight (exactly: 4-bit values minus 8 fit a byte), so one kernel serves both.
 */
public final class Q8Matrix implements WeightMatrix {

  /** Weights per scale. */
  public static final int GROUP = 32;

  private final int rows;
  private final int cols;
  private final byte[] quants;
  private final float[] scales;

  /** Wraps the arrays (not copied); {@code cols} must be a multiple of {@value #GROUP}. */
  public Q8Matrix(int rows, int cols, byte[] quants, float[] scales) {
    if (cols % GROUP != 0) {
      throw new IllegalArgumentException(
          "quantized matrix needs cols divisible by " + GROUP + ", got " + cols);
    }
    if ((long) rows * cols != quants.length || quants.length / GROUP != scales.length) {
      throw new IllegalArgumentException(
          "quantized matrix "
              + rows
              + "x"
              + cols
              + ": got "
              + quants.length
              + " weights and "
              + scales.length
              + " scales");
    }
    this.rows = rows;
    this.cols = cols;
    this.quants = quants;
    this.scales = scales;
  }

  @Override
  public int rows() {
    return rows;
  }

  @Override
  public int cols() {
    return cols;
  }

  /** The quantized weights (shared, not copied). */
  public byte[] quants() {
    return quants;
  }

  /** One scale per group (shared, not copied). */
  public float[] scales() {
    return scales;
  }

  @Override
  public void row(int r, float[] dst) {
    int base = r * cols;
    for (int c = 0; c < cols; c++) {
      dst[c] = quants[base + c] * scales[(base + c) / GROUP];
    }
  }

  @Override
  public long bytes() {
    return quants.length + 4L * scales.length;
  }
}
