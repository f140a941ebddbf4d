package dev.wasmgrid.matmul;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class GemmAccuracyTest {

  @Test
  void toleranceIsTwoKTimesUnitRoundoffTimesAbsProductPlusTiny() {
    assertThat(GemmAccuracy.tolerance(Dtype.F64, 10, 3.0))
        .isEqualTo(2.0 * 10 * 0x1.0p-53 * 3.0 + Double.MIN_NORMAL);
    assertThat(GemmAccuracy.tolerance(Dtype.F32, 10, 3.0))
        .isEqualTo(2.0 * 10 * 0x1.0p-24 * 3.0 + Float.MIN_NORMAL);
    assertThat(GemmAccuracy.tolerance(Dtype.F32, 0, 0.0)).isEqualTo(Float.MIN_NORMAL);
  }

  static Stream<Arguments> smallShapes() {
    SplittableRandom random = new SplittableRandom(0x5EED_0060L);
    return IntStream.range(0, 60)
        .mapToObj(
            i ->
                Arguments.of(
                    random.nextInt(25), random.nextInt(25), random.nextInt(25), random.nextLong()));
  }

  @ParameterizedTest(name = "m={0} k={1} n={2} seed={3}")
  @MethodSource("smallShapes")
  void referencePassesAgainstItself(int m, int k, int n, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    Gemm reference = new ReferenceGemm(1);
    assertThat(
            GemmAccuracy.check(reference, m, k, n, doubles(random, m * k), doubles(random, k * n)))
        .isEmpty();
    assertThat(GemmAccuracy.check(reference, m, k, n, floats(random, m * k), floats(random, k * n)))
        .isEmpty();
  }

  @Test
  void aDifferentSummationOrderPassesEvenForLongF32DotProducts() {
    // Rounding differs from the reference's in the last bits; the bound must allow that.
    SplittableRandom random = new SplittableRandom(7);
    int m = 3;
    int k = 4099;
    int n = 5;
    Gemm reverse = TestKernels.reverseOrder("reverse");
    assertThat(GemmAccuracy.check(reverse, m, k, n, floats(random, m * k), floats(random, k * n)))
        .isEmpty();
    assertThat(GemmAccuracy.check(reverse, m, k, n, doubles(random, m * k), doubles(random, k * n)))
        .isEmpty();
  }

  @ParameterizedTest
  @EnumSource(Dtype.class)
  void anErrorJustOverTheToleranceFailsAndOneUnderItPasses(Dtype dtype) {
    int m = 4;
    int k = 64;
    int n = 5;
    int index = 2 * n + 3;
    assertThat(check(dtype, TestKernels.perturbed("over", index, 4.0), m, k, n))
        .hasValueSatisfying(message -> assertThat(message).contains("c[2,3]"));
    assertThat(check(dtype, TestKernels.perturbed("under", index, 0.25), m, k, n)).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(Dtype.class)
  void aDroppedTermFails(Dtype dtype) {
    assertThat(check(dtype, TestKernels.droppedLastTerm("dropped"), 7, 13, 5))
        .hasValueSatisfying(
            message -> assertThat(message).startsWith(dtype.wireName() + " 7x13x5: c["));
  }

  @Test
  void anUnwrittenOrAccumulatedCFails() {
    // C is NaN-filled before the call, so C += A·B leaves NaN everywhere.
    assertThat(check(Dtype.F64, TestKernels.accumulating("acc"), 3, 4, 5))
        .hasValueSatisfying(message -> assertThat(message).contains("NaN"));
  }

  @Test
  void aKernelThatModifiesItsInputFails() {
    assertThat(check(Dtype.F64, TestKernels.modifiesInput("scribbler"), 3, 4, 5))
        .hasValueSatisfying(message -> assertThat(message).contains("modified its input"));
  }

  private static java.util.Optional<String> check(Dtype dtype, Gemm gemm, int m, int k, int n) {
    SplittableRandom random = new SplittableRandom(11);
    return switch (dtype) {
      case F64 -> GemmAccuracy.check(gemm, m, k, n, doubles(random, m * k), doubles(random, k * n));
      case F32 -> GemmAccuracy.check(gemm, m, k, n, floats(random, m * k), floats(random, k * n));
    };
  }

  static double[] doubles(SplittableRandom random, int count) {
    double[] values = new double[count];
    for (int i = 0; i < count; i++) {
      values[i] = random.nextDouble(-1.0, 1.0);
    }
    return values;
  }

  static float[] floats(SplittableRandom random, int count) {
    float[] values = new float[count];
    for (int i = 0; i < count; i++) {
      values[i] = (float) random.nextDouble(-1.0, 1.0);
    }
    return values;
  }
}
