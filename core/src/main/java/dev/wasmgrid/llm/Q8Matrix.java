package dev.wasmgrid.llm;

/**
 * Weights quantized in groups of {@value #GROUP} along a row: element (r, c) is {@code quants[r *
 * cols + c] * scales[g]}, minus {@code offsets[g]} where there are offsets, g = (r * cols + c) /
 * group, group = {@link #GROUP} unless the matrix says 16. Holds Q8_0 tensors, Q4_0 ones widened to
 * a byte per weight (exactly: 4-bit values minus 8 fit a byte), and on the JVM Q4_K and Q5_K ones
 * widened likewise (their sub-blocks are 32 weights of an unsigned 4 or 5 bits, a scale and a
 * minimum) and Q6_K ones (16 weights of a signed 6 bits and a scale), so one kernel serves them
 * all.
 */
public final class Q8Matrix implements WeightMatrix {

  /** Weights per scale, unless a matrix says otherwise ({@link #group()}). */
  public static final int GROUP = 32;

  private final int rows;
  private final int cols;
  private final int group;
  private final byte[] quants;
  private final float[] scales;
  private final float[] offsets;

  /** Wraps the arrays (not copied); {@code cols} must be a multiple of {@value #GROUP}. */
  public Q8Matrix(int rows, int cols, byte[] quants, float[] scales) {
    this(rows, cols, GROUP, quants, scales, null);
  }

  /**
   * Wraps the arrays (not copied): a scale per {@code group} weights (16 or 32), and {@code
   * offsets} (one per group, as many as scales) subtracted from every weight of its group, or null
   * for none.
   */
  public Q8Matrix(int rows, int cols, int group, byte[] quants, float[] scales, float[] offsets) {
    if (group != 16 && group != GROUP) {
      throw new IllegalArgumentException("quantized matrix groups must be 16 or 32, got " + group);
    }
    if (cols % group != 0) {
      throw new IllegalArgumentException(
          "quantized matrix needs cols divisible by " + group + ", got " + cols);
    }
    if ((long) rows * cols != quants.length || quants.length / group != scales.length) {
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
    if (offsets != null && offsets.length != scales.length) {
      throw new IllegalArgumentException(
          "quantized matrix needs one offset per scale, got "
              + offsets.length
              + " for "
              + scales.length);
    }
    this.rows = rows;
    this.cols = cols;
    this.group = group;
    this.quants = quants;
    this.scales = scales;
    this.offsets = offsets;
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

  /** Weights per scale: 32, or 16 (Q6_K's sub-blocks). */
  public int group() {
    return group;
  }

  /** One offset per group (shared, not copied), or null where the weights have none. */
  public float[] offsets() {
    return offsets;
  }

  /**
   * The sums of {@code x} over each run of {@code group} values: what a matrix's offsets multiply
   * (a product is Σ scale · Σ q · x − offset · Σ x per group), and what packed kernels with
   * minimums take. In index order, so that every path sums alike.
   */
  public static float[] groupSums(float[] x, int group) {
    float[] sums = new float[x.length / group];
    groupSums(x, group, sums.length, sums);
    return sums;
  }

  /** {@link #groupSums(float[], int)} of the first {@code groups} runs, into {@code sums}. */
  public static void groupSums(float[] x, int group, int groups, float[] sums) {
    for (int g = 0; g < groups; g++) {
      float sum = 0;
      for (int i = g * group; i < (g + 1) * group; i++) {
        sum += x[i];
      }
      sums[g] = sum;
    }
  }

  @Override
  public void row(int r, float[] dst) {
    int base = r * cols;
    for (int c = 0; c < cols; c++) {
      int g = (base + c) / group;
      dst[c] = quants[base + c] * scales[g] - (offsets == null ? 0f : offsets[g]);
    }
  }

  @Override
  public long bytes() {
    return quants.length + 4L * scales.length * (offsets == null ? 1 : 2);
  }
}
