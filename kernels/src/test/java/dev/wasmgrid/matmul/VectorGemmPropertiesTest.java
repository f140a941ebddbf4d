package dev.wasmgrid.matmul;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Random shapes, operands and thread counts (split however small the product): {@link VectorGemm}
 * stays within {@link ErrorBound}.
 */
class VectorGemmPropertiesTest {

  @Property(tries = 300)
  void agreesWithReferenceOnRandomShapes(
      @ForAll @IntRange(min = 1, max = 80) int m,
      @ForAll @IntRange(min = 1, max = 80) int k,
      @ForAll @IntRange(min = 1, max = 80) int n,
      @ForAll @IntRange(min = 1, max = 30) int threads,
      @ForAll Dtype dtype,
      @ForAll long seed) {
    VectorGemmTest.check(VectorGemm.alwaysParallel(threads), m, k, n, dtype, seed);
  }
}
