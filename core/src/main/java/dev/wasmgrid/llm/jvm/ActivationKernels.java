package dev.wasmgrid.llm.jvm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link VectorCompute}'s SwiGLU and attention's softmax: their exponentials a vector at a time.
 * SwiGLU's were 12 times faster than Math.exp's call per value, which took ~10 % of a pass of eight
 * concurrent streams of stories110M (2,048 hidden units × 12 layers × 8 streams); softmax's spans
 * are a head's positions, 1.4–1.9× faster from 16 positions to 200 and no slower below.
 *
 * <p>The Vector API's own EXP would not do: it is a library routine once compiled and Math.exp per
 * lane before, so a value's result would depend on whether the JIT had got to the loop yet. This
 * exponential is built of multiplies, fused multiply-adds and integer bit operations, exact IEEE
 * operations in every execution mode, and the tails of ranges go through a scalar copy of one
 * lane's arithmetic, the same bit for bit, so a result depends on its input alone: not on the
 * range, the thread or the batch it was computed in. Relative error below 2.5 × 10⁻⁷ (7 × 10⁻⁸
 * measured); outside [−87.33, 88.37] it gives the value at the nearer end (where SwiGLU takes e^x
 * so large, 1 + e^x is all that counts; softmax takes it of values at most 0).
 */
final class ActivationKernels {
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final int L = F.length();

  private static final float LOG2E = 1.442695f;
  // ln 2 in two parts, the first with zeros in its low bits, so that n · LN2_HI is exact.
  private static final float LN2_HI = 0.6933594f;
  private static final float LN2_LO = -2.1219444e-4f;
  // Adding this rounds a float below 2²² in magnitude to an integer (ties to even).
  private static final float ROUND = 12582912f;
  private static final float LOWEST = -87.33f;
  // e^x for x above this has 2^128, infinity, for its power of two.
  private static final float HIGHEST = 88.37f;

  private ActivationKernels() {}

  /**
   * e^x per lane: x = n · ln 2 + r with |r| ≤ ln 2 / 2, e^r by its Taylor polynomial of degree 7
   * (truncation below 10⁻⁸), times 2^n made in the exponent bits.
   */
  static FloatVector exp(FloatVector x) {
    x = x.max(LOWEST).min(HIGHEST);
    FloatVector n = x.fma(FloatVector.broadcast(F, LOG2E), FloatVector.broadcast(F, ROUND));
    n = n.sub(ROUND);
    FloatVector r = n.fma(FloatVector.broadcast(F, -LN2_HI), x);
    r = n.fma(FloatVector.broadcast(F, -LN2_LO), r);
    FloatVector p = FloatVector.broadcast(F, 1f / 5040);
    p = p.fma(r, FloatVector.broadcast(F, 1f / 720));
    p = p.fma(r, FloatVector.broadcast(F, 1f / 120));
    p = p.fma(r, FloatVector.broadcast(F, 1f / 24));
    p = p.fma(r, FloatVector.broadcast(F, 1f / 6));
    p = p.fma(r, FloatVector.broadcast(F, 0.5f));
    p = p.fma(r, FloatVector.broadcast(F, 1f));
    p = p.fma(r, FloatVector.broadcast(F, 1f));
    IntVector bits =
        ((IntVector) n.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23);
    return p.mul(bits.reinterpretAsFloats());
  }

  /**
   * e^x by the same operations as one lane of {@link #exp(FloatVector)}: the same result, bit for
   * bit, so that the tails of ranges need no masks.
   */
  static float exp(float x) {
    x = Math.min(Math.max(x, LOWEST), HIGHEST);
    float n = Math.fma(x, LOG2E, ROUND) - ROUND;
    float r = Math.fma(n, -LN2_HI, x);
    r = Math.fma(n, -LN2_LO, r);
    float p = 1f / 5040;
    p = Math.fma(p, r, 1f / 720);
    p = Math.fma(p, r, 1f / 120);
    p = Math.fma(p, r, 1f / 24);
    p = Math.fma(p, r, 1f / 6);
    p = Math.fma(p, r, 0.5f);
    p = Math.fma(p, r, 1f);
    p = Math.fma(p, r, 1f);
    return p * Float.intBitsToFloat(((int) n + 127) << 23);
  }

  /** {@code gate[i] = silu(gate[i]) · up[i]} for i in [from, to), silu(g) = g / (1 + e^−g). */
  static void swiglu(float[] gate, float[] up, int from, int to) {
    int i = from;
    for (int bound = from + F.loopBound(to - from); i < bound; i += L) {
      FloatVector g = FloatVector.fromArray(F, gate, i);
      g.div(exp(g.neg()).add(1f)).mul(FloatVector.fromArray(F, up, i)).intoArray(gate, i);
    }
    for (; i < to; i++) {
      float g = gate[i];
      gate[i] = g / (exp(-g) + 1f) * up[i];
    }
  }

  /**
   * Softmax of {@code v[0..n)} in place: e^(v − max), divided by their sum (the lanes' sums, then
   * the tail's values in turn, an order fixed by n).
   */
  static void softmax(float[] v, int n) {
    int bound = F.loopBound(n);
    float max = Float.NEGATIVE_INFINITY;
    if (bound > 0) {
      FloatVector most = FloatVector.fromArray(F, v, 0);
      for (int i = L; i < bound; i += L) {
        most = most.max(FloatVector.fromArray(F, v, i));
      }
      max = most.reduceLanes(VectorOperators.MAX);
    }
    for (int i = bound; i < n; i++) {
      max = Math.max(max, v[i]);
    }
    FloatVector sums = FloatVector.zero(F);
    for (int i = 0; i < bound; i += L) {
      FloatVector e = exp(FloatVector.fromArray(F, v, i).sub(max));
      e.intoArray(v, i);
      sums = sums.add(e);
    }
    float sum = Lanes.sum(sums);
    for (int i = bound; i < n; i++) {
      v[i] = exp(v[i] - max);
      sum += v[i];
    }
    for (int i = 0; i < bound; i += L) {
      FloatVector.fromArray(F, v, i).div(sum).intoArray(v, i);
    }
    for (int i = bound; i < n; i++) {
      v[i] /= sum;
    }
  }
}
