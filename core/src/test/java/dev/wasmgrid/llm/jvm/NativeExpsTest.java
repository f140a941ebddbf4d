package dev.wasmgrid.llm.jvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.llm.ScalarCompute;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The sampler's softmax numerators and their sum by the native kernels against the plain Java steps
 * (Math.max's maximum, {@code (float) Math.exp(v - max)}, the sum in order), bit for bit, at each
 * width this CPU runs: random spreads, confident distributions whose values nearly all lie far
 * below the largest, every value near a place where the kernels step from one path to another, NaN
 * and infinities, and the values whose e^x lies nearest a midpoint between two floats, where a
 * double that is off by a unit could round to the other float.
 */
class NativeExpsTest {

  @BeforeEach
  void kernels() {
    Assumptions.assumeTrue(NativeKernels.available(), "no native kernels here");
  }

  @Test
  void randomSpreadsGiveTheJavaFloatsAndSum() {
    SplittableRandom r = new SplittableRandom(7);
    for (int width : NativeKernels.widths()) {
      NativeExps exps = new NativeExps(width);
      for (int trial = 0; trial < 300; trial++) {
        // Lengths around the kernels' groups of 16 and 32 values, and a vocabulary's; spreads from
        // a tenth to a thousand, so that many values fall below -87 and -104 from the largest.
        int n = trial % 10 == 0 ? 32_000 : 1 + (int) (r.nextDouble() * 100);
        float spread = (float) Math.pow(10, r.nextDouble() * 4 - 1);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
          v[i] = (float) (r.nextDouble() * 2 - 1) * spread;
        }
        assertExact(exps, v, "width " + width + " trial " + trial);
      }
    }
  }

  @Test
  void boundariesAndSpecialValuesGiveTheJavaFloatsAndSum() {
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
    xs.addAll(List.of(-0f, Float.NEGATIVE_INFINITY, -Float.MIN_VALUE, -Float.MAX_VALUE));
    float[] v = new float[xs.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = xs.get(i);
    }
    for (int width : NativeKernels.widths()) {
      NativeExps exps = new NativeExps(width);
      // The largest 0, then 0.3 (whose subtraction rounds), +infinity, a NaN, and all -infinity.
      assertExact(exps, v, "width " + width);
      assertExact(exps, with(v, 0.3f), "width " + width + ", max 0.3");
      assertExact(exps, with(v, Float.POSITIVE_INFINITY), "width " + width + ", max infinity");
      assertExact(exps, with(v, Float.NaN), "width " + width + ", a NaN");
      float[] lows = new float[40];
      java.util.Arrays.fill(lows, Float.NEGATIVE_INFINITY);
      assertExact(exps, lows, "width " + width + ", all -infinity");
    }
  }

  @Test
  void valuesNearAMidpointGiveTheJavaFloatsAndSum() {
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
    // Among ordinary values (the largest 0), so that every lane of a group takes each path in turn.
    float[] v = new float[near.size() * 4 + 1];
    for (int i = 0; i < v.length - 1; i++) {
      v[i] = i % 4 == i / 4 % 4 ? near.get(i / 4) : -0.25f * (i % 7);
    }
    v[v.length - 1] = 0f;
    for (int width : NativeKernels.widths()) {
      assertExact(new NativeExps(width), v, "width " + width);
    }
  }

  private static float[] with(float[] v, float extra) {
    float[] more = java.util.Arrays.copyOf(v, v.length + 1);
    more[v.length] = extra;
    return more;
  }

  private static void assertExact(NativeExps exps, float[] v, String what) {
    float[] expected = v.clone();
    float expectedSum = new ScalarCompute().expsSum(expected, expected.length);
    float[] got = v.clone();
    float sum = exps.expsSum(got, got.length);
    for (int i = 0; i < v.length; i++) {
      assertThat(Float.floatToIntBits(got[i]))
          .as("%s: value %d, %s", what, i, v[i])
          .isEqualTo(Float.floatToIntBits(expected[i]));
    }
    assertThat(Float.floatToIntBits(sum))
        .as("%s: the sum", what)
        .isEqualTo(Float.floatToIntBits(expectedSum));
  }
}
