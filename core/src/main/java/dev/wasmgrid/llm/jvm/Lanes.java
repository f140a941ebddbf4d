package dev.wasmgrid.llm.jvm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The sum of a vector's lanes in a fixed order. {@code reduceLanes(ADD)} may add floats in any
 * order, and does: the interpreter adds lane after lane while compiled code adds halves, so the
 * same product could round differently before and after the JIT. Kernels sum through here, so a
 * row's result is the same whenever and wherever it is computed.
 */
final class Lanes {
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

  private static final int L = F.length();

  // Each swaps lane i with lane i ^ d; null where d is not below the lane count.
  private static final VectorShuffle<Float> SWAP_8 = swap(8);
  private static final VectorShuffle<Float> SWAP_4 = swap(4);
  private static final VectorShuffle<Float> SWAP_2 = swap(2);
  private static final VectorShuffle<Float> SWAP_1 = swap(1);

  private Lanes() {}

  /**
   * Σ of the lanes of {@code v}: halves added, then quarters, down to neighbours, the same in every
   * execution mode. The lane count is a constant, so the compiler drops the steps that do not
   * apply.
   */
  static float sum(FloatVector v) {
    if (L > 8) {
      v = v.add(v.rearrange(SWAP_8));
    }
    if (L > 4) {
      v = v.add(v.rearrange(SWAP_4));
    }
    if (L > 2) {
      v = v.add(v.rearrange(SWAP_2));
    }
    if (L > 1) {
      v = v.add(v.rearrange(SWAP_1));
    }
    return v.lane(0);
  }

  private static VectorShuffle<Float> swap(int d) {
    return d < L ? VectorShuffle.fromOp(F, i -> i ^ d) : null;
  }
}
