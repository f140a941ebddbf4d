package dev.wasmgrid.llm.jvm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The sampler's exponentials by the native kernels against {@code (float) Math.exp(v - max)}, bit
 * for bit, at each width this CPU runs: random spreads, every value near a place where the kernels
 * step from one path to another, and the values whose e^x lies nearest a midpoint between two
 * floats, where a double that is off by a unit could round to the other float.
 */
class NativeExpsTest {

  @BeforeEach
  void kernels() {
    Assumptions.assumeTrue(NativeKernels.available(), "no native kernels here");
  }

  @Test
  void randomSpreadsGiveMathExpsFloats() {
    SplittableRandom r = new SplittableRandom(7);
    for (int width : NativeKernels.widths()) {
      NativeExps exps = new NativeExps(width);
      for (int trial = 0; trial < 200; trial++) {
        // Lengths around the kernels' groups of 16 and 32 values, and a vocabulary's.
        int n = trial % 10 == 0 ? 32_000 : (int) (r.nextDouble() * 100);
        float spread = (float) Math.pow(10, r.nextDouble() * 3 - 1);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
          v[i] = (float) (r.nextDouble() * 2 - 1) * spread;
        }
        float max = Float.NEGATIVE_INFINITY;
        for (float x : v) {
          max = Math.max(max, x);
        }
        assertExact(exps, v, max, "width " + width + " trial " + trial);
      }
    }
  }

  @Test
  void boundariesAndSpecialValuesGiveMathExpsFloats() {
    List<Float> xs = new ArrayList<>();
    for (float edge : new float[] {0f, -87f, -104f, -87.33655f, -103.97208f, -745f}) {
      float x = edge;
      for (int k = 0; k < 40; k++) {
        xs.add(x);
        x = Math.nextDown(x);
      }
      x = edge;
      for (int k = 0; k < 40 && x < 0; k++) {
        x = Math.nextUp(x);
        xs.add(x);
      }
    }
    xs.addAll(
        List.of(
            -0f,
            Float.NaN,
            Float.NEGATIVE_INFINITY,
            Float.POSITIVE_INFINITY,
            -Float.MIN_VALUE,
            -Float.MAX_VALUE,
            1e-30f,
            5f));
    float[] v = new float[xs.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = xs.get(i);
    }
    for (int width : NativeKernels.widths()) {
      // Against max 0 and against a max that moves every value (its subtraction rounds).
      assertExact(new NativeExps(width), v, 0f, "width " + width);
      assertExact(new NativeExps(width), v, 0.3f, "width " + width + ", max 0.3");
    }
  }

  @Test
  void valuesNearAMidpointGiveMathExpsFloats() {
    // Floats x whose e^x, in double, lies within 2^12 units of a midpoint between two floats (a
    // thousand times nearer than the kernels' own error), and a few within the 64 where the kernels
    // leave a value to Math.exp: found by a scan of consecutive floats.
    List<Float> near = new ArrayList<>();
    List<Float> nearest = new ArrayList<>();
    float x = -1.5f;
    for (int k = 0; k < 1 << 25 && (near.size() < 64 || nearest.size() < 4); k++) {
      long bits = Double.doubleToRawLongBits(Math.exp(x));
      long off = Math.abs((bits & ((1L << 29) - 1)) - (1L << 28));
      if (off <= 64 && nearest.size() < 4) {
        nearest.add(x);
      } else if (off <= 4096 && near.size() < 64) {
        near.add(x);
      }
      x = Math.nextUp(x);
    }
    assertThat(nearest).isNotEmpty();
    near.addAll(nearest);
    float[] v = new float[near.size() * 4];
    for (int i = 0; i < v.length; i++) {
      // Among ordinary values, so that every lane of a group takes each path in turn.
      v[i] = i % 4 == i / 4 % 4 ? near.get(i / 4) : -0.25f * (i % 7);
    }
    for (int width : NativeKernels.widths()) {
      assertExact(new NativeExps(width), v, 0f, "width " + width);
    }
  }

  private static void assertExact(NativeExps exps, float[] v, float max, String what) {
    float[] got = v.clone();
    exps.exps(got, got.length, max);
    for (int i = 0; i < v.length; i++) {
      float expected = (float) Math.exp(v[i] - max);
      assertThat(Float.floatToRawIntBits(got[i]))
          .as("%s: e^(%s - %s) at %d", what, v[i], max, i)
          .isEqualTo(Float.floatToRawIntBits(expected));
    }
  }
}
