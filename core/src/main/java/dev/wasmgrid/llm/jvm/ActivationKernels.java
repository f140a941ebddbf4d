package dev.wasmgrid.llm.jvm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link VectorCompute}'s SwiGLU: its exponentials a vector at a time, 12 times faster than
 * Math.exp's call per value, which took ~10 % of a pass of eight concurrent streams of stories110M
 * (2,048 hidden units × 12 layers × 8 streams). Attention's softmax keeps Math.exp: its spans are
 * short (a head's positions), and masked vectors measured slower there.
 *
 * <p>The Vector API's own EXP would not do: it is a library routine once compiled and Math.exp per
 * lane before, so a value's result would depend on whether the JIT had got to the loop yet. This
 * exponential is built of multiplies, fused multiply-adds and integer bit operations, exact IEEE
 * operations in every execution mode, and every value goes through the same lanes' arithmetic
 * (tails masked), so a result depends on its input alone: not on the range, the thread or the batch
 * it was computed in. Relative error below 2.5 × 10⁻⁷ (about 2 ulp); outside [−87.33, 88.37] it
 * gives the value at the nearer end (where SwiGLU takes e^x so large, 1 + e^x is all that counts).
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

  /** {@code gate[i] = silu(gate[i]) · up[i]} for i in [from, to), silu(g) = g / (1 + e^−g). */
  static void swiglu(float[] gate, float[] up, int from, int to) {
    int i = from;
    for (int bound = from + F.loopBound(to - from); i < bound; i += L) {
      swiglu(FloatVector.fromArray(F, gate, i), FloatVector.fromArray(F, up, i)).intoArray(gate, i);
    }
    if (i < to) {
      VectorMask<Float> m = F.indexInRange(i, to);
      swiglu(FloatVector.fromArray(F, gate, i, m), FloatVector.fromArray(F, up, i, m))
          .intoArray(gate, i, m);
    }
  }

  private static FloatVector swiglu(FloatVector g, FloatVector u) {
    return g.div(exp(g.neg()).add(1f)).mul(u);
  }
}
