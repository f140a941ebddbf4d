package dev.wasmgrid.matmul;

import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random shapes, operands and thread counts (split however small the product): {@link VectorGemm}
 * stays within {@link GemmAccuracy}'s bound. Cases come from a fixed seed, so a failure names a
 * case that reproduces.
 */
class VectorGemmPropertiesTest {

  static Stream<Arguments> randomCases() {
    SplittableRandom random = new SplittableRandom(0x5EED_2026L);
    Dtype[] dtypes = Dtype.values();
    return IntStream.range(0, 300)
        .mapToObj(
            i ->
                Arguments.of(
                    random.nextInt(1, 81),
                    random.nextInt(1, 81),
                    random.nextInt(1, 81),
                    random.nextInt(1, 31),
                    dtypes[random.nextInt(dtypes.length)],
                    random.nextLong()));
  }

  @ParameterizedTest(name = "m={0} k={1} n={2} threads={3} {4} seed={5}")
  @MethodSource("randomCases")
  void agreesWithReferenceOnRandomShapes(int m, int k, int n, int threads, Dtype dtype, long seed) {
    VectorGemmTest.check(VectorGemm.alwaysParallel(threads), m, k, n, dtype, seed);
  }
}
