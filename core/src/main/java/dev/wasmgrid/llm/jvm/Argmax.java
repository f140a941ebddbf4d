package dev.wasmgrid.llm.jvm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Greedy decoding's choice a vector at a time, exactly {@code Sampler.argmax}'s: that loop keeps
 * the first index whose value is greater than every one before, so it returns the first index of
 * the largest value (the largest compared with {@code ==}, where {@code -0.0} and {@code 0.0} are
 * equal), NaNs never taken but for a NaN at 0, which nothing is greater than. Here each lane keeps
 * the greatest of its values by the same comparison, the lanes' greatest is the largest, and a
 * second pass finds its first index (usually far from the end: the second pass reads a fraction of
 * the logits).
 */
final class Argmax {
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

  private Argmax() {}

  static int of(float[] v, int n) {
    if (n == 0 || Float.isNaN(v[0])) {
      return 0;
    }
    FloatVector most = FloatVector.broadcast(F, v[0]);
    int i = 0;
    for (int bound = F.loopBound(n); i < bound; i += F.length()) {
      FloatVector x = FloatVector.fromArray(F, v, i);
      most = most.blend(x, x.compare(VectorOperators.GT, most));
    }
    // No lane holds a NaN, so the lanes' maximum is the greatest of them.
    float largest = most.reduceLanes(VectorOperators.MAX);
    for (; i < n; i++) {
      if (v[i] > largest) {
        largest = v[i];
      }
    }
    int at = 0;
    while (!(v[at] == largest)) {
      at++;
    }
    return at;
  }
}
