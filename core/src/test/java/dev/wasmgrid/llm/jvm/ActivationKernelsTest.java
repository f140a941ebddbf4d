package dev.wasmgrid.llm.jvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;
import static org.assertj.core.data.Percentage.withPercentage;

import dev.wasmgrid.llm.ScalarCompute;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

/**
 * The vectorised exponential, SwiGLU and softmax: accuracy against Math.exp and exact softmax, and
 * results that do not depend on the range or the lane a value came in.
 */
class ActivationKernelsTest {
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final double BOUND = 2.5e-7;

  private static float exp(float x) {
    return ActivationKernels.exp(FloatVector.broadcast(F, x)).lane(0);
  }

  @Test
  void theExponentialIsWithinItsBoundOfMathExpOverItsWholeRange() {
    float[] x = new float[F.length()];
    float[] e = new float[F.length()];
    double worst = 0;
    for (float start = -87.33f; start < 88.37f; start += 0.0137f * x.length) {
      for (int i = 0; i < x.length; i++) {
        x[i] = Math.min(88.37f, start + 0.0137f * i);
      }
      ActivationKernels.exp(FloatVector.fromArray(F, x, 0)).intoArray(e, 0);
      for (int i = 0; i < x.length; i++) {
        double exact = Math.exp(x[i]);
        worst = Math.max(worst, Math.abs(e[i] - exact) / exact);
      }
    }
    assertThat(worst).isLessThan(BOUND);
  }

  @Test
  void beyondItsRangeTheExponentialGivesTheValueAtTheNearerEnd() {
    float low = exp(-87.33f);
    float high = exp(88.37f);
    assertThat(low).isPositive();
    assertThat((double) low).isCloseTo(Math.exp(-87.33f), withPercentage(1e-4));
    assertThat((double) high).isCloseTo(Math.exp(88.37f), withPercentage(1e-4));
    assertThat(exp(-500)).isEqualTo(low);
    assertThat(exp(-1e30f)).isEqualTo(low);
    assertThat(exp(500)).isEqualTo(high);
    assertThat(exp(Float.POSITIVE_INFINITY)).isEqualTo(high);
    assertThat(exp(0)).isEqualTo(1f);
    assertThat(exp(-0f)).isEqualTo(1f);
  }

  @Test
  void swigluMatchesTheScalarFormulaWithinTheExponentialsBound() {
    SplittableRandom random = new SplittableRandom(7);
    int n = 2048 + 5;
    float[] gate = new float[n];
    float[] up = new float[n];
    for (int i = 0; i < n; i++) {
      gate[i] = (float) (random.nextDouble(-1, 1) * (i % 7 == 0 ? 120 : 6));
      up[i] = (float) random.nextDouble(-3, 3);
    }
    float[] vector = gate.clone();
    float[] scalar = gate.clone();
    ActivationKernels.swiglu(vector, up, 0, n);
    new ScalarCompute().swiglu(scalar, up, 0, n);
    for (int i = 0; i < n; i++) {
      // The exponential's error, scaled by e^-g / (1 + e^-g) < 1, and three roundings each side;
      // below g = -88.37 the clamped e^-g leaves ~g / 10^38 where Math.exp's infinity leaves -0.
      assertThat((double) vector[i])
          .as("unit %d, gate %f", i, gate[i])
          .isCloseTo(scalar[i], offset(Math.abs(scalar[i]) * 8e-7 + 1e-35));
    }
  }

  @Test
  void aUnitsResultDoesNotDependOnTheRangeItCameIn() {
    SplittableRandom random = new SplittableRandom(11);
    int n = 2048;
    float[] gate = new float[n];
    float[] up = new float[n];
    for (int i = 0; i < n; i++) {
      gate[i] = (float) random.nextDouble(-10, 10);
      up[i] = (float) random.nextDouble(-3, 3);
    }
    float[] whole = gate.clone();
    ActivationKernels.swiglu(whole, up, 0, n);
    float[] pieces = gate.clone();
    int[] cuts = {0, 1, 13, 14, 600, 1023, 1999, n};
    for (int c = 0; c + 1 < cuts.length; c++) {
      ActivationKernels.swiglu(pieces, up, cuts[c], cuts[c + 1]);
    }
    assertThat(pieces).isEqualTo(whole);
  }

  @Test
  void theScalarExponentialIsALanesBitForBit() {
    float[] x = new float[F.length()];
    float[] lanes = new float[F.length()];
    SplittableRandom random = new SplittableRandom(3);
    for (int round = 0; round < 2000; round++) {
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) (random.nextDouble(-1, 1) * (round % 5 == 0 ? 200 : 20));
      }
      ActivationKernels.exp(FloatVector.fromArray(F, x, 0)).intoArray(lanes, 0);
      for (int i = 0; i < x.length; i++) {
        assertThat(Float.floatToRawIntBits(ActivationKernels.exp(x[i])))
            .as("e^%s", x[i])
            .isEqualTo(Float.floatToRawIntBits(lanes[i]));
      }
    }
  }

  @Test
  void softmaxIsWithinTheBoundOfTheExactOneAndLeavesTheRestAlone() {
    SplittableRandom random = new SplittableRandom(5);
    for (int n : new int[] {1, 5, F.length(), F.length() + 1, 100, 257}) {
      float[] v = new float[n + 3];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) random.nextDouble(-30, 30);
      }
      float[] in = v.clone();
      ActivationKernels.softmax(v, n);
      double max = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < n; i++) {
        max = Math.max(max, in[i]);
      }
      double sum = 0;
      for (int i = 0; i < n; i++) {
        sum += Math.exp(in[i] - max);
      }
      for (int i = 0; i < n; i++) {
        double exact = Math.exp(in[i] - max) / sum;
        // v - max rounded to a float (half an ulp of it, in the exponent), the exponential's
        // error, the sum's roundings over n terms, the division's.
        double relative = Math.abs(in[i] - max) * 6e-8 + 4e-7 + n * 1.2e-7;
        assertThat((double) v[i])
            .as("n %d, value %d", n, i)
            .isCloseTo(exact, offset(exact * relative + 1e-38));
      }
      for (int i = n; i < v.length; i++) {
        assertThat(v[i]).isEqualTo(in[i]);
      }
    }
  }
}
