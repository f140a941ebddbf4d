package dev.wasmgrid.llm.jvm;

import static dev.wasmgrid.llm.jvm.RowKernels.widen;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link RowKernels}' byte-row kernels for rows with a scale per {@value #GROUP} weights (Q6_K's
 * sub-blocks widened), in the same order: each group summed a vector at a time from zero, then
 * scaled in. Kernels of their own because the JIT unrolls a group's loop only when its length is a
 * constant, and a group size passed in cost the 32-weight kernels a third of their speed.
 */
final class Group16Kernels {
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final int L = F.length();

  /** Weights per scale. */
  static final int GROUP = 16;

  private Group16Kernels() {}

  /**
   * Rows r + i·stride (weights rows wr + i·stride), i < 4, with one vector; as {@link
   * RowKernels#dotQ8x4}.
   */
  static void dotX4(
      byte[] q, float[] scales, float[] x, int groups, float[] out, int r, int stride, int wr) {
    int cols = groups * GROUP;
    int q0 = wr * cols;
    int q1 = (wr + stride) * cols;
    int q2 = (wr + 2 * stride) * cols;
    int q3 = (wr + 3 * stride) * cols;
    FloatVector a0 = FloatVector.zero(F);
    FloatVector a1 = FloatVector.zero(F);
    FloatVector a2 = FloatVector.zero(F);
    FloatVector a3 = FloatVector.zero(F);
    for (int g = 0; g < groups; g++) {
      int base = g * GROUP;
      FloatVector g0 = FloatVector.zero(F);
      FloatVector g1 = FloatVector.zero(F);
      FloatVector g2 = FloatVector.zero(F);
      FloatVector g3 = FloatVector.zero(F);
      for (int j = 0; j < GROUP; j += L) {
        FloatVector xv = FloatVector.fromArray(F, x, base + j);
        g0 = widen(q, q0 + base + j).fma(xv, g0);
        g1 = widen(q, q1 + base + j).fma(xv, g1);
        g2 = widen(q, q2 + base + j).fma(xv, g2);
        g3 = widen(q, q3 + base + j).fma(xv, g3);
      }
      a0 = g0.fma(FloatVector.broadcast(F, scales[wr * groups + g]), a0);
      a1 = g1.fma(FloatVector.broadcast(F, scales[(wr + stride) * groups + g]), a1);
      a2 = g2.fma(FloatVector.broadcast(F, scales[(wr + 2 * stride) * groups + g]), a2);
      a3 = g3.fma(FloatVector.broadcast(F, scales[(wr + 3 * stride) * groups + g]), a3);
    }
    out[r] = Lanes.sum(a0);
    out[r + stride] = Lanes.sum(a1);
    out[r + 2 * stride] = Lanes.sum(a2);
    out[r + 3 * stride] = Lanes.sum(a3);
  }

  /** Row r (weights row wr) with vectors {@code xs[v, v + 4)}; as {@link RowKernels#dotQ8v4}. */
  static void dotV4(
      byte[] q, float[] scales, float[][] xs, float[][] outs, int v, int groups, int r, int wr) {
    float[] x0 = xs[v];
    float[] x1 = xs[v + 1];
    float[] x2 = xs[v + 2];
    float[] x3 = xs[v + 3];
    int qOff = wr * groups * GROUP;
    int sOff = wr * groups;
    FloatVector a0 = FloatVector.zero(F);
    FloatVector a1 = FloatVector.zero(F);
    FloatVector a2 = FloatVector.zero(F);
    FloatVector a3 = FloatVector.zero(F);
    for (int g = 0; g < groups; g++) {
      int base = g * GROUP;
      FloatVector g0 = FloatVector.zero(F);
      FloatVector g1 = FloatVector.zero(F);
      FloatVector g2 = FloatVector.zero(F);
      FloatVector g3 = FloatVector.zero(F);
      for (int j = 0; j < GROUP; j += L) {
        FloatVector wv = widen(q, qOff + base + j);
        g0 = wv.fma(FloatVector.fromArray(F, x0, base + j), g0);
        g1 = wv.fma(FloatVector.fromArray(F, x1, base + j), g1);
        g2 = wv.fma(FloatVector.fromArray(F, x2, base + j), g2);
        g3 = wv.fma(FloatVector.fromArray(F, x3, base + j), g3);
      }
      FloatVector scale = FloatVector.broadcast(F, scales[sOff + g]);
      a0 = g0.fma(scale, a0);
      a1 = g1.fma(scale, a1);
      a2 = g2.fma(scale, a2);
      a3 = g3.fma(scale, a3);
    }
    outs[v][r] = Lanes.sum(a0);
    outs[v + 1][r] = Lanes.sum(a1);
    outs[v + 2][r] = Lanes.sum(a2);
    outs[v + 3][r] = Lanes.sum(a3);
  }

  /**
   * Rows r and r + stride (weights rows wr, wr + stride) with vectors {@code xs[v]}, {@code xs[v +
   * 1]}; as {@link RowKernels#dotQ8r2v2}.
   */
  static void dotR2V2(
      byte[] q,
      float[] scales,
      float[][] xs,
      float[][] outs,
      int v,
      int groups,
      int r,
      int stride,
      int wr) {
    float[] x0 = xs[v];
    float[] x1 = xs[v + 1];
    int cols = groups * GROUP;
    int qa = wr * cols;
    int qb = (wr + stride) * cols;
    int sa = wr * groups;
    int sb = (wr + stride) * groups;
    FloatVector a0 = FloatVector.zero(F);
    FloatVector a1 = FloatVector.zero(F);
    FloatVector b0 = FloatVector.zero(F);
    FloatVector b1 = FloatVector.zero(F);
    for (int g = 0; g < groups; g++) {
      int base = g * GROUP;
      FloatVector g0 = FloatVector.zero(F);
      FloatVector g1 = FloatVector.zero(F);
      FloatVector h0 = FloatVector.zero(F);
      FloatVector h1 = FloatVector.zero(F);
      for (int j = 0; j < GROUP; j += L) {
        FloatVector wa = widen(q, qa + base + j);
        FloatVector wb = widen(q, qb + base + j);
        FloatVector y0 = FloatVector.fromArray(F, x0, base + j);
        FloatVector y1 = FloatVector.fromArray(F, x1, base + j);
        g0 = wa.fma(y0, g0);
        g1 = wa.fma(y1, g1);
        h0 = wb.fma(y0, h0);
        h1 = wb.fma(y1, h1);
      }
      FloatVector ca = FloatVector.broadcast(F, scales[sa + g]);
      FloatVector cb = FloatVector.broadcast(F, scales[sb + g]);
      a0 = g0.fma(ca, a0);
      a1 = g1.fma(ca, a1);
      b0 = h0.fma(cb, b0);
      b1 = h1.fma(cb, b1);
    }
    outs[v][r] = Lanes.sum(a0);
    outs[v + 1][r] = Lanes.sum(a1);
    outs[v][r + stride] = Lanes.sum(b0);
    outs[v + 1][r + stride] = Lanes.sum(b1);
  }

  /** One row, in the order of {@link #dotX4}. */
  static float dot(byte[] q, int qOff, float[] scales, int sOff, float[] x, int groups) {
    FloatVector acc = FloatVector.zero(F);
    for (int g = 0; g < groups; g++) {
      FloatVector sum = FloatVector.zero(F);
      for (int j = 0; j < GROUP; j += L) {
        int at = g * GROUP + j;
        sum = widen(q, qOff + at).fma(FloatVector.fromArray(F, x, at), sum);
      }
      acc = sum.fma(FloatVector.broadcast(F, scales[sOff + g]), acc);
    }
    return Lanes.sum(acc);
  }
}
