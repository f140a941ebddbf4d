package dev.wasmgrid.matmul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link VectorGemm} against {@link ReferenceGemm}.
 *
 * <p>Tolerance: the two kernels sum in different orders (blocked, fused multiply-add versus i-k-j
 * with separate roundings), so each element may differ by up to 2·k·u·(|A|·|B|)_ij plus k times the
 * smallest normal number, with u = 2⁻⁵³ for f64 and 2⁻²⁴ for f32 ({@link Dtype#unitRoundoff()});
 * see {@link GemmAccuracy}. Where the arithmetic is exact (small integers, zeros) the results must
 * be identical.
 */
class VectorGemmTest {

  /** m, k, n triples chosen around the tile (4 × 2 vectors) and block (KC, MC, NC) sizes. */
  static List<int[]> shapes() {
    int nr64 = F64MicroKernel.NR;
    int nr32 = F32MicroKernel.NR;
    int kc64 = VectorGemm.F64_BLOCKING.kc();
    int kc32 = VectorGemm.F32_BLOCKING.kc();
    int mc64 = VectorGemm.F64_BLOCKING.mc();
    int mc32 = VectorGemm.F32_BLOCKING.mc();
    int nc = VectorGemm.F64_BLOCKING.nc();
    List<int[]> shapes = new ArrayList<>();
    shapes.add(new int[] {1, 1, 1});
    shapes.add(new int[] {1, 1, 7});
    shapes.add(new int[] {7, 1, 1});
    shapes.add(new int[] {1, 9, 1});
    shapes.add(new int[] {2, 3, 4});
    shapes.add(new int[] {3, 5, 9});
    shapes.add(new int[] {17, 31, 13});
    shapes.add(new int[] {4, 8, nr64}); // exactly one f64 tile
    shapes.add(new int[] {4, 8, nr32}); // exactly one f32 tile
    shapes.add(new int[] {5, 6, nr64 + 1});
    shapes.add(new int[] {3, 11, nr32 - 1});
    shapes.add(new int[] {8, 64, 2 * nr32});
    shapes.add(new int[] {13, kc64 + 1, 21}); // two k-slices in f64
    shapes.add(new int[] {9, kc32 + 3, 19}); // two k-slices in f32
    shapes.add(new int[] {mc64 + 5, 37, 29}); // two row blocks in f64
    shapes.add(new int[] {mc32 + 3, 2 * Math.max(kc64, kc32) + 7, 11}); // and in f32, 3 k-slices
    shapes.add(new int[] {5, 3, nc + 9}); // two column blocks
    shapes.add(new int[] {31, 29, 67});
    return shapes;
  }

  static Stream<Arguments> cases() {
    List<Arguments> cases = new ArrayList<>();
    for (int[] s : shapes()) {
      for (Dtype dtype : Dtype.values()) {
        for (int threads : new int[] {1, 2, 5}) {
          cases.add(Arguments.of(s[0], s[1], s[2], dtype, threads));
        }
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{3} {0}x{1}x{2} threads={4}")
  @MethodSource("cases")
  void agreesWithReference(int m, int k, int n, Dtype dtype, int threads) {
    // Split over threads even where the product is too small for VectorGemm(threads) to bother,
    // so that 5 threads also means more threads than row panels.
    check(VectorGemm.alwaysParallel(threads), m, k, n, dtype, 1000L * m + 31L * k + n);
  }

  /** Shapes big enough for the public constructor to split, some with fewer row panels. */
  static Stream<Arguments> threadedCases() {
    List<Arguments> cases = new ArrayList<>();
    int[][] shapes = {{97, 300, 150}, {130, 250, 131}, {5, 1000, 900}, {1, 2100, 2000}};
    for (int[] s : shapes) {
      for (Dtype dtype : Dtype.values()) {
        for (int threads : new int[] {2, 3, 64}) {
          cases.add(Arguments.of(s[0], s[1], s[2], dtype, threads));
        }
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{3} {0}x{1}x{2} threads={4}")
  @MethodSource("threadedCases")
  void threadedMatchesSingleThreadBitForBit(int m, int k, int n, Dtype dtype, int threads) {
    assertThat((long) m * k * n)
        .as("shape must be large enough to run on several threads")
        .isGreaterThanOrEqualTo(BlockedGemm.PARALLEL_MIN_MULADDS);
    long seed = 7L * m + k + 13L * n;
    check(new VectorGemm(threads), m, k, n, dtype, seed);
    // Each element goes through the same operations whichever band holds its row.
    switch (dtype) {
      case F64 -> {
        double[] a = RandomMatrices.f64(m, k, seed);
        double[] b = RandomMatrices.f64(k, n, seed + 1);
        double[] one = new double[m * n];
        double[] many = new double[m * n];
        new VectorGemm(1).multiply(m, k, n, a, b, one);
        new VectorGemm(threads).multiply(m, k, n, a, b, many);
        assertThat(many).containsExactly(one);
      }
      case F32 -> {
        float[] a = RandomMatrices.f32(m, k, seed);
        float[] b = RandomMatrices.f32(k, n, seed + 1);
        float[] one = new float[m * n];
        float[] many = new float[m * n];
        new VectorGemm(1).multiply(m, k, n, a, b, one);
        new VectorGemm(threads).multiply(m, k, n, a, b, many);
        assertThat(many).containsExactly(one);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 200})
  void smallIntegersAreExact(int threads) {
    // Products and sums of small integers are exact in both dtypes, so any order gives the same.
    int m = 37;
    int k = 300;
    int n = 45;
    double[] a = new double[m * k];
    double[] b = new double[k * n];
    for (int i = 0; i < a.length; i++) {
      a[i] = (i * 7 % 11) - 5;
    }
    for (int i = 0; i < b.length; i++) {
      b[i] = (i * 5 % 13) - 6;
    }
    double[] expected = new double[m * n];
    double[] actual = new double[m * n];
    new ReferenceGemm(1).multiply(m, k, n, a, b, expected);
    VectorGemm.alwaysParallel(threads).multiply(m, k, n, a, b, actual);
    assertThat(actual).containsExactly(expected);

    float[] af = toFloat(a);
    float[] bf = toFloat(b);
    float[] expectedF = new float[m * n];
    float[] actualF = new float[m * n];
    new ReferenceGemm(1).multiply(m, k, n, af, bf, expectedF);
    VectorGemm.alwaysParallel(threads).multiply(m, k, n, af, bf, actualF);
    assertThat(actualF).containsExactly(expectedF);
  }

  @Test
  void wideRangeOfMagnitudesAndSigns() {
    int m = 23;
    int k = 301;
    int n = 19;
    double[] a = RandomMatrices.f64(m, k, 11);
    double[] b = RandomMatrices.f64(k, n, 12);
    for (int i = 0; i < a.length; i++) {
      a[i] *= Math.pow(10, i % 7 - 3); // cancellation between terms of very different size
    }
    for (int i = 0; i < b.length; i++) {
      b[i] = -Math.abs(b[i]) * Math.pow(10, i % 5 - 2);
    }
    assertThat(GemmAccuracy.check(VectorGemm.alwaysParallel(2), m, k, n, a, b)).isEmpty();
    assertThat(GemmAccuracy.check(VectorGemm.alwaysParallel(2), m, k, n, toFloat(a), toFloat(b)))
        .isEmpty();
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2})
  void zeroMatrixGivesZeros(int threads) {
    int m = 70;
    int k = 90;
    int n = 65;
    double[] c = filled(m * n, Double.NaN);
    VectorGemm.alwaysParallel(threads)
        .multiply(m, k, n, new double[m * k], RandomMatrices.f64(k, n, 3), c);
    assertThat(c).containsOnly(0.0);
    float[] cf = new float[m * n];
    Arrays.fill(cf, Float.NaN);
    VectorGemm.alwaysParallel(threads)
        .multiply(m, k, n, RandomMatrices.f32(m, k, 4), new float[k * n], cf);
    assertThat(cf).containsOnly(0.0f);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2})
  void emptyInnerDimensionGivesZeros(int threads) {
    double[] c = filled(6 * 9, Double.NaN);
    VectorGemm.alwaysParallel(threads).multiply(6, 0, 9, new double[0], new double[0], c);
    assertThat(c).containsOnly(0.0);
    float[] cf = new float[6 * 9];
    Arrays.fill(cf, Float.NaN);
    VectorGemm.alwaysParallel(threads).multiply(6, 0, 9, new float[0], new float[0], cf);
    assertThat(cf).containsOnly(0.0f);
  }

  @Test
  void emptyOuterDimensionsAreAccepted() {
    VectorGemm gemm = VectorGemm.alwaysParallel(2);
    double[] none = new double[0];
    gemm.multiply(0, 5, 7, none, new double[35], none);
    gemm.multiply(7, 5, 0, new double[35], none, none);
    gemm.multiply(0, 0, 0, none, none, none);
    float[] noneF = new float[0];
    gemm.multiply(0, 5, 7, noneF, new float[35], noneF);
    gemm.multiply(7, 5, 0, new float[35], noneF, noneF);
    assertThat(none).isEmpty();
  }

  @Test
  void overwritesC() {
    int m = 9;
    int k = 10;
    int n = 11;
    double[] a = RandomMatrices.f64(m, k, 1);
    double[] b = RandomMatrices.f64(k, n, 2);
    double[] c = filled(m * n, 1e300);
    new VectorGemm(1).multiply(m, k, n, a, b, c);
    double[] expected = new double[m * n];
    new ReferenceGemm(1).multiply(m, k, n, a, b, expected);
    assertThat(c).containsExactly(expected, within(1e-12));
  }

  @Test
  void rejectsBadShapesAndThreadCounts() {
    VectorGemm gemm = new VectorGemm(1);
    assertThatThrownBy(() -> gemm.multiply(2, 2, 2, new double[3], new double[4], new double[4]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("A has 3 elements");
    assertThatThrownBy(() -> gemm.multiply(2, 2, 2, new float[4], new float[4], new float[5]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("C has 5 elements");
    assertThatThrownBy(() -> gemm.multiply(-1, 2, 2, new double[0], new double[4], new double[0]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new VectorGemm(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void describesItself() {
    assertThat(new VectorGemm(3).name()).isEqualTo("vector");
    assertThat(new VectorGemm(3).threads()).isEqualTo(3);
  }

  /** Runs gemm on seeded random operands and checks {@link GemmAccuracy}'s error bound. */
  static void check(Gemm gemm, int m, int k, int n, Dtype dtype, long seed) {
    Optional<String> failure =
        switch (dtype) {
          case F64 ->
              GemmAccuracy.check(
                  gemm,
                  m,
                  k,
                  n,
                  RandomMatrices.f64(m, k, seed),
                  RandomMatrices.f64(k, n, seed + 1));
          case F32 ->
              GemmAccuracy.check(
                  gemm,
                  m,
                  k,
                  n,
                  RandomMatrices.f32(m, k, seed),
                  RandomMatrices.f32(k, n, seed + 1));
        };
    assertThat(failure).isEmpty();
  }

  private static double[] filled(int length, double value) {
    double[] array = new double[length];
    Arrays.fill(array, value);
    return array;
  }

  private static float[] toFloat(double[] values) {
    float[] out = new float[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (float) values[i];
    }
    return out;
  }
}
