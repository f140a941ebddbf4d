package dev.wasmgrid.llm.jvm;

import dev.wasmgrid.llm.Q8Matrix;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link VectorCompute}'s kernels for rows held as floats ({@code F32Matrix}) and as bytes with a
 * scale per 32 ({@code Q8Matrix}; per 16 in {@link Group16Kernels}), at the preferred vector width.
 * Every row is summed in one order whichever kernel takes it — one accumulator stepping a vector at
 * a time (per group of 32, then scaled in, for bytes), lanes added by {@link Lanes#sum} — so that
 * the four-row, four-vector, two-row two-vector and single-row kernels give the same floats for a
 * row, and a product does not depend on how its rows were split over threads or batched.
 */
final class RowKernels {
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final int L = F.length();

  /** Bytes with as many lanes as {@link #F}; null when floats are too narrow for a byte shape. */
  private static final VectorSpecies<Byte> B =
      L * 8 >= 64 ? VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8)) : null;

  /** Whether the byte-row kernels run here (else the portable path takes those rows). */
  static final boolean Q8_SUPPORTED = B != null;

  /**
   * Whether the byte-row kernels take groups of {@code size} weights here: 32, or 16 where that is
   * whole vectors.
   */
  static boolean takesGroups(int size) {
    return Q8_SUPPORTED
        && (size == Q8Matrix.GROUP || (size == Group16Kernels.GROUP && L <= Group16Kernels.GROUP));
  }

  private RowKernels() {}

  /**
   * One row in the order every F32 row is summed in ({@link #dotF32x4} too): one accumulator
   * stepping a vector at a time, its lanes summed by {@link Lanes#sum}, then the scalar tail.
   */
  static float dotF32(float[] w, int off, float[] x, int n) {
    FloatVector acc = FloatVector.zero(F);
    int i = 0;
    for (int bound = F.loopBound(n); i < bound; i += L) {
      acc = FloatVector.fromArray(F, w, off + i).fma(FloatVector.fromArray(F, x, i), acc);
    }
    float sum = Lanes.sum(acc);
    for (; i < n; i++) {
      sum += w[off + i] * x[i];
    }
    return sum;
  }

  /**
   * Rows r, r + stride, r + 2·stride, r + 3·stride, one accumulator each: every x vector is loaded
   * once for four rows, and four independent FMA chains and memory streams run side by side. {@code
   * n} must be a multiple of L.
   */
  static void dotF32x4(float[] w, float[] x, int n, float[] out, int r, int stride) {
    FloatVector a0 = FloatVector.zero(F);
    FloatVector a1 = FloatVector.zero(F);
    FloatVector a2 = FloatVector.zero(F);
    FloatVector a3 = FloatVector.zero(F);
    int o0 = r * n;
    int o1 = (r + stride) * n;
    int o2 = (r + 2 * stride) * n;
    int o3 = (r + 3 * stride) * n;
    for (int i = 0; i < n; i += L) {
      FloatVector xv = FloatVector.fromArray(F, x, i);
      a0 = FloatVector.fromArray(F, w, o0 + i).fma(xv, a0);
      a1 = FloatVector.fromArray(F, w, o1 + i).fma(xv, a1);
      a2 = FloatVector.fromArray(F, w, o2 + i).fma(xv, a2);
      a3 = FloatVector.fromArray(F, w, o3 + i).fma(xv, a3);
    }
    out[r] = Lanes.sum(a0);
    out[r + stride] = Lanes.sum(a1);
    out[r + 2 * stride] = Lanes.sum(a2);
    out[r + 3 * stride] = Lanes.sum(a3);
  }

  /**
   * Quantized rows r, r + stride, r + 2·stride, r + 3·stride, as {@link #dotF32x4}; their weights
   * are rows wr, wr + stride, ... of {@code q} and {@code scales} (a batch of rows may be held
   * apart from the product's numbering).
   */
  static void dotQ8x4(
      byte[] q, float[] scales, float[] x, int groups, float[] out, int r, int stride, int wr) {
    int cols = groups * Q8Matrix.GROUP;
    int q0 = wr * cols;
    int q1 = (wr + stride) * cols;
    int q2 = (wr + 2 * stride) * cols;
    int q3 = (wr + 3 * stride) * cols;
    int s0 = wr * groups;
    int s1 = (wr + stride) * groups;
    int s2 = (wr + 2 * stride) * groups;
    int s3 = (wr + 3 * stride) * groups;
    FloatVector a0 = FloatVector.zero(F);
    FloatVector a1 = FloatVector.zero(F);
    FloatVector a2 = FloatVector.zero(F);
    FloatVector a3 = FloatVector.zero(F);
    for (int g = 0; g < groups; g++) {
      int base = g * Q8Matrix.GROUP;
      FloatVector g0 = FloatVector.zero(F);
      FloatVector g1 = FloatVector.zero(F);
      FloatVector g2 = FloatVector.zero(F);
      FloatVector g3 = FloatVector.zero(F);
      for (int j = 0; j < Q8Matrix.GROUP; j += L) {
        FloatVector xv = FloatVector.fromArray(F, x, base + j);
        g0 = widen(q, q0 + base + j).fma(xv, g0);
        g1 = widen(q, q1 + base + j).fma(xv, g1);
        g2 = widen(q, q2 + base + j).fma(xv, g2);
        g3 = widen(q, q3 + base + j).fma(xv, g3);
      }
      a0 = g0.fma(FloatVector.broadcast(F, scales[s0 + g]), a0);
      a1 = g1.fma(FloatVector.broadcast(F, scales[s1 + g]), a1);
      a2 = g2.fma(FloatVector.broadcast(F, scales[s2 + g]), a2);
      a3 = g3.fma(FloatVector.broadcast(F, scales[s3 + g]), a3);
    }
    out[r] = Lanes.sum(a0);
    out[r + stride] = Lanes.sum(a1);
    out[r + 2 * stride] = Lanes.sum(a2);
    out[r + 3 * stride] = Lanes.sum(a3);
  }

  /**
   * Row r with vectors {@code xs[v, v + 4)}, each summed in the order of {@link #dotF32}: every
   * weight vector is loaded once for four products.
   */
  static void dotF32v4(float[] w, int off, float[][] xs, float[][] outs, int v, int n, int r) {
    float[] x0 = xs[v];
    float[] x1 = xs[v + 1];
    float[] x2 = xs[v + 2];
    float[] x3 = xs[v + 3];
    FloatVector a0 = FloatVector.zero(F);
    FloatVector a1 = FloatVector.zero(F);
    FloatVector a2 = FloatVector.zero(F);
    FloatVector a3 = FloatVector.zero(F);
    int i = 0;
    for (int bound = F.loopBound(n); i < bound; i += L) {
      FloatVector wv = FloatVector.fromArray(F, w, off + i);
      a0 = wv.fma(FloatVector.fromArray(F, x0, i), a0);
      a1 = wv.fma(FloatVector.fromArray(F, x1, i), a1);
      a2 = wv.fma(FloatVector.fromArray(F, x2, i), a2);
      a3 = wv.fma(FloatVector.fromArray(F, x3, i), a3);
    }
    float s0 = Lanes.sum(a0);
    float s1 = Lanes.sum(a1);
    float s2 = Lanes.sum(a2);
    float s3 = Lanes.sum(a3);
    for (; i < n; i++) {
      float wi = w[off + i];
      s0 += wi * x0[i];
      s1 += wi * x1[i];
      s2 += wi * x2[i];
      s3 += wi * x3[i];
    }
    outs[v][r] = s0;
    outs[v + 1][r] = s1;
    outs[v + 2][r] = s2;
    outs[v + 3][r] = s3;
  }

  /**
   * Quantized row r (its weights row wr of {@code q}) with vectors {@code xs[v, v + 4)}, each
   * summed in the order of {@link #dotQ8x4}: every weight vector is widened once for four products.
   */
  static void dotQ8v4(
      byte[] q, float[] scales, float[][] xs, float[][] outs, int v, int groups, int r, int wr) {
    float[] x0 = xs[v];
    float[] x1 = xs[v + 1];
    float[] x2 = xs[v + 2];
    float[] x3 = xs[v + 3];
    int qOff = wr * groups * Q8Matrix.GROUP;
    int sOff = wr * groups;
    FloatVector a0 = FloatVector.zero(F);
    FloatVector a1 = FloatVector.zero(F);
    FloatVector a2 = FloatVector.zero(F);
    FloatVector a3 = FloatVector.zero(F);
    for (int g = 0; g < groups; g++) {
      int base = g * Q8Matrix.GROUP;
      FloatVector g0 = FloatVector.zero(F);
      FloatVector g1 = FloatVector.zero(F);
      FloatVector g2 = FloatVector.zero(F);
      FloatVector g3 = FloatVector.zero(F);
      for (int j = 0; j < Q8Matrix.GROUP; j += L) {
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
   * Quantized rows r and r + stride (their weights rows wr and wr + stride) with vectors {@code
   * xs[v]} and {@code xs[v + 1]}, each summed in the order of {@link #dotQ8x4}: every weight vector
   * is widened once for two products, and two rows give four independent chains.
   */
  static void dotQ8r2v2(
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
    int cols = groups * Q8Matrix.GROUP;
    int qa = wr * cols;
    int qb = (wr + stride) * cols;
    int sa = wr * groups;
    int sb = (wr + stride) * groups;
    FloatVector a0 = FloatVector.zero(F);
    FloatVector a1 = FloatVector.zero(F);
    FloatVector b0 = FloatVector.zero(F);
    FloatVector b1 = FloatVector.zero(F);
    for (int g = 0; g < groups; g++) {
      int base = g * Q8Matrix.GROUP;
      FloatVector g0 = FloatVector.zero(F);
      FloatVector g1 = FloatVector.zero(F);
      FloatVector h0 = FloatVector.zero(F);
      FloatVector h1 = FloatVector.zero(F);
      for (int j = 0; j < Q8Matrix.GROUP; j += L) {
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

  /** {@code q[off, off + L)} as floats. */
  static FloatVector widen(byte[] q, int off) {
    return (FloatVector) ByteVector.fromArray(B, q, off).convertShape(VectorOperators.B2F, F, 0);
  }

  /** One quantized row in the order of {@link #dotQ8x4}: each group summed, then scaled in. */
  static float dotQ8(byte[] q, int qOff, float[] scales, int sOff, float[] x, int groups) {
    FloatVector acc = FloatVector.zero(F);
    for (int g = 0; g < groups; g++) {
      acc =
          group(q, qOff + g * Q8Matrix.GROUP, x, g * Q8Matrix.GROUP)
              .fma(FloatVector.broadcast(F, scales[sOff + g]), acc);
    }
    return Lanes.sum(acc);
  }

  static FloatVector group(byte[] q, int qOff, float[] x, int xOff) {
    FloatVector sum = FloatVector.zero(F);
    for (int j = 0; j < Q8Matrix.GROUP; j += L) {
      sum = widen(q, qOff + j).fma(FloatVector.fromArray(F, x, xOff + j), sum);
    }
    return sum;
  }
}
