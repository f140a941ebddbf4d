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

  private Lanes() {}

  /**
   * Σ of the lanes of {@code v}: halves added, then quarters, down to neighbours, the same in every
   * execution mode. The lane count is a constant, so the compiler drops the steps that do not
   * apply.
   *
   * <p>One step a method, each under HotSpot's 35 bytes: a call site the JIT does not count as hot
   * (a kernel's reduction after its loop) inlines only callees that small, and a call left standing
   * passes its vector as a heap object. Written as one 83-byte method, it was left out of {@code
   * AttentionKernels.dots} in a benchmark of attention alone, which then took 22 ns a key, slower
   * than scalar code (4.5 ns inlined); in decoding the JIT had happened to count it hot.
   */
  static float sum(FloatVector v) {
    return quarters(L > 8 ? v.add(v.rearrange(SWAP_8)) : v);
  }

  private static float quarters(FloatVector v) {
    return pairs(L > 4 ? v.add(v.rearrange(SWAP_4)) : v);
  }

  private static float pairs(FloatVector v) {
    return neighbours(L > 2 ? v.add(v.rearrange(SWAP_2)) : v);
  }

  // A species has at least two lanes.
  private static float neighbours(FloatVector v) {
    return v.lane(0) + v.lane(1);
  }

  private static VectorShuffle<Float> swap(int d) {
    return d < L ? VectorShuffle.fromOp(F, i -> i ^ d) : null;
  }
}
