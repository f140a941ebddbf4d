package dev.wasmgrid.llm.jvm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link VectorCompute}'s dot products and weighted sums over short spans: attention's scores (a
 * query against every key of a head) and its output (the values weighted by the scores), and the
 * norms' sums of squares. The many-key kernels take several keys or output vectors at once, so that
 * independent chains of multiply-adds run side by side instead of one waiting for the last, but
 * each key's dot and each output element are summed in the order of the one-key kernels: the
 * results are the same, bit for bit.
 */
final class AttentionKernels {
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final int L = F.length();

  private AttentionKernels() {}

  /** Σ a·b over a span: one accumulator a vector at a time, its lanes summed, then the tail. */
  static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
    FloatVector acc = FloatVector.zero(F);
    int i = 0;
    for (int bound = F.loopBound(n); i < bound; i += L) {
      acc = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc);
    }
    float sum = Lanes.sum(acc);
    for (; i < n; i++) {
      sum += a[aOff + i] * b[bOff + i];
    }
    return sum;
  }

  /** {@code out[t] = dot(a, aOff, b, bOff + t·stride, n)}, four keys at a time. */
  static void dots(
      float[] a, int aOff, float[] b, int bOff, int stride, int n, float[] out, int count) {
    int bound = F.loopBound(n);
    int t = 0;
    for (; t + 4 <= count; t += 4) {
      int b0 = bOff + t * stride;
      int b1 = b0 + stride;
      int b2 = b1 + stride;
      int b3 = b2 + stride;
      FloatVector a0 = FloatVector.zero(F);
      FloatVector a1 = FloatVector.zero(F);
      FloatVector a2 = FloatVector.zero(F);
      FloatVector a3 = FloatVector.zero(F);
      for (int i = 0; i < bound; i += L) {
        FloatVector q = FloatVector.fromArray(F, a, aOff + i);
        a0 = q.fma(FloatVector.fromArray(F, b, b0 + i), a0);
        a1 = q.fma(FloatVector.fromArray(F, b, b1 + i), a1);
        a2 = q.fma(FloatVector.fromArray(F, b, b2 + i), a2);
        a3 = q.fma(FloatVector.fromArray(F, b, b3 + i), a3);
      }
      float s0 = Lanes.sum(a0);
      float s1 = Lanes.sum(a1);
      float s2 = Lanes.sum(a2);
      float s3 = Lanes.sum(a3);
      for (int i = bound; i < n; i++) {
        float q = a[aOff + i];
        s0 += q * b[b0 + i];
        s1 += q * b[b1 + i];
        s2 += q * b[b2 + i];
        s3 += q * b[b3 + i];
      }
      out[t] = s0;
      out[t + 1] = s1;
      out[t + 2] = s2;
      out[t + 3] = s3;
    }
    for (; t < count; t++) {
      out[t] = dot(a, aOff, b, bOff + t * stride, n);
    }
  }

  /** {@code y[yOff + i] += a · x[xOff + i]}: a multiply-add a vector at a time, then the tail. */
  static void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
    FloatVector av = FloatVector.broadcast(F, a);
    int i = 0;
    for (int bound = F.loopBound(n); i < bound; i += L) {
      FloatVector.fromArray(F, x, xOff + i)
          .fma(av, FloatVector.fromArray(F, y, yOff + i))
          .intoArray(y, yOff + i);
    }
    for (; i < n; i++) {
      y[yOff + i] += a * x[xOff + i];
    }
  }

  /**
   * {@link #axpy} of {@code a[t]} and {@code x[xOff + t·stride ..]} for t = 0 .. count - 1 in turn,
   * four vectors of {@code y} held in registers across all rows.
   */
  static void axpys(
      float[] a, int count, float[] x, int xOff, int stride, float[] y, int yOff, int n) {
    int bound = F.loopBound(n);
    int i = 0;
    for (; i + 4 * L <= bound; i += 4 * L) {
      FloatVector y0 = FloatVector.fromArray(F, y, yOff + i);
      FloatVector y1 = FloatVector.fromArray(F, y, yOff + i + L);
      FloatVector y2 = FloatVector.fromArray(F, y, yOff + i + 2 * L);
      FloatVector y3 = FloatVector.fromArray(F, y, yOff + i + 3 * L);
      for (int t = 0; t < count; t++) {
        FloatVector av = FloatVector.broadcast(F, a[t]);
        int at = xOff + t * stride + i;
        y0 = FloatVector.fromArray(F, x, at).fma(av, y0);
        y1 = FloatVector.fromArray(F, x, at + L).fma(av, y1);
        y2 = FloatVector.fromArray(F, x, at + 2 * L).fma(av, y2);
        y3 = FloatVector.fromArray(F, x, at + 3 * L).fma(av, y3);
      }
      y0.intoArray(y, yOff + i);
      y1.intoArray(y, yOff + i + L);
      y2.intoArray(y, yOff + i + 2 * L);
      y3.intoArray(y, yOff + i + 3 * L);
    }
    for (; i < bound; i += L) {
      FloatVector y0 = FloatVector.fromArray(F, y, yOff + i);
      for (int t = 0; t < count; t++) {
        y0 =
            FloatVector.fromArray(F, x, xOff + t * stride + i)
                .fma(FloatVector.broadcast(F, a[t]), y0);
      }
      y0.intoArray(y, yOff + i);
    }
    for (; i < n; i++) {
      float yi = y[yOff + i];
      for (int t = 0; t < count; t++) {
        yi += a[t] * x[xOff + t * stride + i];
      }
      y[yOff + i] = yi;
    }
  }
}
