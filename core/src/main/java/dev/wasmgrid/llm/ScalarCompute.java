package dev.wasmgrid.llm;

/**
 * Plain loops, one thread, no Vector API: the path the browser build compiles. Quantized products
 * sum each group of weights that share a scale in float and scale it once, the same arithmetic as
 * the fast path (in another order).
 */
public final class ScalarCompute implements Compute {

  @Override
  public void matvec(WeightMatrix w, float[] x, float[] out) {
    // instanceof rather than a pattern switch: the browser compiler lacks switch bootstraps.
    if (w instanceof F32Matrix f) {
      f32(f, x, out);
    } else if (w instanceof PackedMatrix p) {
      packed(p, x, out);
    } else {
      q8((Q8Matrix) w, x, out);
    }
  }

  @Override
  public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
    float sum = 0;
    for (int i = 0; i < n; i++) {
      sum += a[aOff + i] * b[bOff + i];
    }
    return sum;
  }

  @Override
  public void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
    for (int i = 0; i < n; i++) {
      y[yOff + i] += a * x[xOff + i];
    }
  }

  @Override
  public String name() {
    return "scalar";
  }

  private static void f32(F32Matrix w, float[] x, float[] out) {
    float[] data = w.data();
    int cols = w.cols();
    for (int r = 0; r < w.rows(); r++) {
      int base = r * cols;
      float sum = 0;
      for (int c = 0; c < cols; c++) {
        sum += data[base + c] * x[c];
      }
      out[r] = sum;
    }
  }

  /** Each row decoded into a scratch row, then a plain dot product. */
  private static void packed(PackedMatrix w, float[] x, float[] out) {
    int cols = w.cols();
    float[] row = new float[cols];
    byte[] scratch = new byte[w.rowBytes()];
    for (int r = 0; r < w.rows(); r++) {
      w.row(r, row, scratch);
      float sum = 0;
      for (int c = 0; c < cols; c++) {
        sum += row[c] * x[c];
      }
      out[r] = sum;
    }
  }

  /** Per group, Σ q · x scaled once, less the group's offset times Σ x where there are offsets. */
  private static void q8(Q8Matrix w, float[] x, float[] out) {
    byte[] q = w.quants();
    float[] scales = w.scales();
    float[] offsets = w.offsets();
    int cols = w.cols();
    int size = w.group();
    int groups = cols / size;
    float[] xSums = offsets == null ? null : Q8Matrix.groupSums(x, size);
    for (int r = 0; r < w.rows(); r++) {
      float sum = 0;
      for (int g = 0; g < groups; g++) {
        int base = r * cols + g * size;
        int xBase = g * size;
        float group = 0;
        for (int i = 0; i < size; i++) {
          group += q[base + i] * x[xBase + i];
        }
        sum += group * scales[r * groups + g];
        if (offsets != null) {
          sum -= offsets[r * groups + g] * xSums[g];
        }
      }
      out[r] = sum;
    }
  }
}
