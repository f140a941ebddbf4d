package dev.wasmgrid.matmul.blas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wasmgrid.matmul.Dtype;
import dev.wasmgrid.matmul.Gemm;
import dev.wasmgrid.matmul.GemmAccuracy;
import dev.wasmgrid.matmul.GemmUnavailableException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * OpenBLAS against {@link dev.wasmgrid.matmul.ReferenceGemm}, within {@link GemmAccuracy}'s bound:
 * |c_ij − ref_ij| ≤ 2·k·u·(|A|·|B|)_ij + tiny, with u = 2⁻⁵³ for f64 and 2⁻²⁴ for f32 and tiny the
 * dtype's smallest normal number. The native library must load here: the build bundles it for this
 * platform, so a load failure is a test failure, not a skip.
 */
class OpenBlasGemmTest {

  private static OpenBlasGemm oneThread;
  private static OpenBlasGemm twoThreads;

  @BeforeAll
  static void load() throws GemmUnavailableException {
    oneThread = OpenBlasGemm.load(1);
    twoThreads = OpenBlasGemm.load(2);
  }

  private static OpenBlasGemm withThreads(int threads) {
    return threads == 1 ? oneThread : twoThreads;
  }

  /** What the operands are made of. */
  enum Values {
    MIXED_SIGNS,
    ZEROS,
    NEGATIVE,
    /** Magnitudes from 2⁻²⁰ to 2²⁰, so that large terms swamp small ones. */
    WIDE_RANGE
  }

  static Stream<Arguments> cases() {
    int[][] shapes = {
      {1, 1, 1}, // 1x1
      {1, 9, 1}, // a dot product
      {9, 1, 7}, // an outer product
      {3, 5, 7},
      {7, 13, 5},
      {31, 37, 41}, // primes: no SIMD width or block size divides them
      {67, 33, 71},
      {127, 131, 137},
      {257, 129, 65}, // above OpenBLAS's multi-threading threshold, not square
      {1, 300, 200},
      {200, 300, 1},
      {4, 0, 5}, // k = 0: C is the empty sum, all zero
      {0, 4, 5}, // m = 0
      {4, 5, 0}, // n = 0
      {0, 0, 0},
    };
    List<Arguments> cases = new ArrayList<>();
    for (int[] shape : shapes) {
      for (Dtype dtype : Dtype.values()) {
        for (int threads : new int[] {1, 2}) {
          cases.add(Arguments.of(shape[0], shape[1], shape[2], dtype, threads, Values.MIXED_SIGNS));
        }
      }
    }
    for (Values values : List.of(Values.ZEROS, Values.NEGATIVE, Values.WIDE_RANGE)) {
      for (Dtype dtype : Dtype.values()) {
        cases.add(Arguments.of(31, 37, 41, dtype, 1, values));
        cases.add(Arguments.of(129, 130, 131, dtype, 2, values));
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}x{1}x{2} {3} threads={4} {5}")
  @MethodSource("cases")
  void matchesTheReference(int m, int k, int n, Dtype dtype, int threads, Values values) {
    assertThat(check(withThreads(threads), m, k, n, dtype, values, 1234)).isEmpty();
  }

  static Stream<Arguments> randomShapes() {
    SplittableRandom random = new SplittableRandom(0x5EED_0100L);
    Dtype[] dtypes = Dtype.values();
    return IntStream.range(0, 100)
        .mapToObj(
            i ->
                Arguments.of(
                    random.nextInt(91),
                    random.nextInt(91),
                    random.nextInt(91),
                    dtypes[random.nextInt(dtypes.length)],
                    random.nextInt(1, 3),
                    random.nextLong()));
  }

  @ParameterizedTest(name = "m={0} k={1} n={2} {3} threads={4} seed={5}")
  @MethodSource("randomShapes")
  void matchesTheReferenceOnRandomShapes(int m, int k, int n, Dtype dtype, int threads, long seed) {
    assertThat(check(withThreads(threads), m, k, n, dtype, Values.MIXED_SIGNS, seed)).isEmpty();
  }

  @Test
  void zeroTimesAnythingIsExactlyZero() {
    double[] c = {7, 7, 7, 7};
    oneThread.multiply(2, 3, 2, new double[6], new double[] {1, -2, 3, -4, 5, -6}, c);
    assertThat(c).containsOnly(0.0);
  }

  @Test
  void smallProductsAreExact() {
    // [1 2 3; 4 5 6] · [7 8; 9 10; 11 12] = [58 64; 139 154], exactly representable.
    float[] a = {1, 2, 3, 4, 5, 6};
    float[] b = {7, 8, 9, 10, 11, 12};
    float[] c = new float[4];
    twoThreads.multiply(2, 3, 2, a, b, c);
    assertThat(c).containsExactly(58, 64, 139, 154);
  }

  @Test
  void oneAndTwoThreadInstancesCanBeUsedConcurrently() throws Exception {
    // 160³ is above the size where OpenBLAS starts using its threads, so the two instances really
    // need different settings; the gate has to keep each call's count right and results correct.
    List<Future<Optional<String>>> results = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
      for (int task = 0; task < 24; task++) {
        OpenBlasGemm gemm = withThreads(1 + task % 2);
        Dtype dtype = task % 4 < 2 ? Dtype.F64 : Dtype.F32;
        long seed = task;
        results.add(pool.submit(() -> check(gemm, 160, 150, 170, dtype, Values.MIXED_SIGNS, seed)));
      }
      for (Future<Optional<String>> result : results) {
        assertThat(result.get()).isEmpty();
      }
    }
  }

  @Test
  void describesTheBundledLibrary() {
    // The bundled build is 0.3.31; a system OpenBLAS (Debian ships 0.3.21) must not be what loaded.
    assertThat(oneThread.config()).startsWith("OpenBLAS 0.3.31 ");
    assertThat(oneThread.coreName()).isNotBlank();
    assertThat(oneThread.description()).isEqualTo("OpenBLAS 0.3.31 " + oneThread.coreName());
    assertThat(oneThread.libraryPath()).contains("jniopenblas_full");
    assertThat(oneThread.toString())
        .isEqualTo(
            "blas[threads=1, " + oneThread.config() + ", core " + oneThread.coreName() + "]");
  }

  @Test
  void nameAndThreads() {
    assertThat(oneThread.name()).isEqualTo("blas");
    assertThat(oneThread.threads()).isEqualTo(1);
    assertThat(twoThreads.threads()).isEqualTo(2);
  }

  @Test
  void rejectsBadArguments() {
    assertThatThrownBy(() -> OpenBlasGemm.load(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("threads must be >= 1");
    assertThatThrownBy(
            () -> oneThread.multiply(2, 2, 2, new double[4], new double[3], new double[4]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("B has 3 elements");
  }

  @Test
  void aCandidateCarriesTheDescription() throws GemmUnavailableException {
    var loaded = OpenBlasGemm.candidate("blas", 2).loader().load();
    assertThat(loaded.gemm().threads()).isEqualTo(2);
    assertThat(loaded.detail()).isEqualTo(oneThread.description());
  }

  static Optional<String> check(
      Gemm gemm, int m, int k, int n, Dtype dtype, Values values, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    double[] a = values(random, m * k, values);
    double[] b = values(random, k * n, values);
    return switch (dtype) {
      case F64 -> GemmAccuracy.check(gemm, m, k, n, a, b);
      case F32 -> GemmAccuracy.check(gemm, m, k, n, narrow(a), narrow(b));
    };
  }

  private static double[] values(SplittableRandom random, int count, Values kind) {
    double[] result = new double[count];
    for (int i = 0; i < count; i++) {
      result[i] =
          switch (kind) {
            case MIXED_SIGNS -> random.nextDouble(-1.0, 1.0);
            case ZEROS -> 0.0;
            case NEGATIVE -> random.nextDouble(-2.0, -1.0);
            case WIDE_RANGE -> Math.scalb(random.nextDouble(-1.0, 1.0), random.nextInt(-20, 21));
          };
    }
    return result;
  }

  private static float[] narrow(double[] values) {
    float[] result = new float[values.length];
    for (int i = 0; i < values.length; i++) {
      result[i] = (float) values[i];
    }
    return result;
  }
}
