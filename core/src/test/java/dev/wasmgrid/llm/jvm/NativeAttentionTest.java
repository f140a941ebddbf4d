package dev.wasmgrid.llm.jvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The native attention and SwiGLU against double-precision references. Their exponentials are a
 * polynomial within 2 ulp of e^x, and their sums take another order than the Java kernels', so they
 * match to float rounding, not bit for bit: attention within 1e-5 of the largest value (scores of
 * up to ±8 here, whose rounding e^x magnifies), SwiGLU within 1e-6 relative.
 */
class NativeAttentionTest {

  @BeforeEach
  void nativeKernels() {
    Assumptions.assumeTrue(NativeKernels.available(), NativeKernels.unavailable().orElse(""));
  }

  @Test
  void attentionMatchesTheExactSoftmaxOfTheScores() {
    SplittableRandom r = new SplittableRandom(5);
    // Head sizes of stories15M (48), the Llamas (64) and one with a tail past 16 lanes (40); one
    // kv head per query head and one per two (grouped queries); 1 position up to 301, not a
    // multiple of 4 (keys) or 8 (softmax lanes).
    for (int hs : new int[] {40, 48, 64}) {
      for (int kvMul : new int[] {1, 2}) {
        for (int positions : new int[] {1, 2, 7, 64, 301}) {
          int heads = 4;
          int kvDim = heads / kvMul * hs;
          float[] q = random(heads * hs, r);
          float[] keys = random(positions * kvDim, r);
          float[] values = random(positions * kvDim, r);
          float scale = (float) (1 / Math.sqrt(hs));
          float[] out = new float[heads * hs];
          float[] att = new float[positions];
          NativeKernels.attention(
              q, keys, values, att, out, kvDim, hs, kvMul, positions, scale, 0, heads);
          for (int h = 0; h < heads; h++) {
            double[] exact = exactHead(q, keys, values, kvDim, hs, h, h / kvMul, positions, scale);
            for (int i = 0; i < hs; i++) {
              assertThat((double) out[h * hs + i])
                  .as(
                      "head size %d, kvMul %d, %d positions, head %d, element %d",
                      hs, kvMul, positions, h, i)
                  .isCloseTo(exact[i], Offset.offset(1e-5));
            }
          }
        }
      }
    }
  }

  @Test
  void headsComputedApartEqualHeadsComputedTogether() {
    SplittableRandom r = new SplittableRandom(6);
    int heads = 6;
    int hs = 48;
    int positions = 99;
    int kvDim = heads * hs;
    float[] q = random(heads * hs, r);
    float[] keys = random(positions * kvDim, r);
    float[] values = random(positions * kvDim, r);
    float[] together = new float[heads * hs];
    float[] apart = new float[heads * hs];
    NativeKernels.attention(
        q, keys, values, new float[positions], together, kvDim, hs, 1, positions, 0.1f, 0, heads);
    for (int h = 0; h < heads; h++) {
      NativeKernels.attention(
          q, keys, values, new float[positions], apart, kvDim, hs, 1, positions, 0.1f, h, h + 1);
    }
    assertThat(apart).containsExactly(together);
  }

  @Test
  void swigluMatchesTheExactFormulaAndKeepsNaN() {
    float[] gate = {
      -100f, -88.5f, -30f, -1.5f, -1e-3f, -0f, 0f, 1e-3f, 0.7f, 2f, 9.9f, 40f, 88f, 100f, Float.NaN,
      3f, -3f
    };
    float[] up = new float[gate.length];
    SplittableRandom r = new SplittableRandom(7);
    for (int i = 0; i < up.length; i++) {
      up[i] = (float) (4 * r.nextDouble() - 2);
    }
    float[] got = gate.clone();
    // From 1: a start that is not a multiple of 8, and a tail.
    NativeKernels.swiglu(got, up, 1, gate.length);
    assertThat(got[0]).isEqualTo(gate[0]);
    for (int i = 1; i < gate.length; i++) {
      double g = gate[i];
      double exact = g / (1 + Math.exp(-g)) * up[i];
      if (Double.isNaN(exact)) {
        assertThat(got[i]).as("gate %s", gate[i]).isNaN();
      } else {
        assertThat((double) got[i])
            .as("gate %s", gate[i])
            .isCloseTo(exact, Offset.offset(1e-6 * Math.abs(exact) + 1e-37));
      }
    }
  }

  @Test
  void arraysTooShortAreRefusedBeforeAnyNativeCode() {
    float[] q = new float[64];
    float[] kv = new float[64 * 10];
    assertThatThrownBy(
            () ->
                NativeKernels.attention(
                    q, kv, kv, new float[10], new float[64], 64, 64, 1, 11, 1f, 0, 1))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(
            () ->
                NativeKernels.attention(
                    q, kv, kv, new float[9], new float[64], 64, 64, 1, 10, 1f, 0, 1))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(
            () ->
                NativeKernels.attention(
                    q, kv, kv, new float[10], new float[64], 64, 64, 1, 10, 1f, 0, 2))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> NativeKernels.swiglu(new float[8], new float[7], 0, 8))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }

  private static double[] exactHead(
      float[] q,
      float[] keys,
      float[] values,
      int kvDim,
      int hs,
      int h,
      int g,
      int positions,
      float scale) {
    double[] s = new double[positions];
    double max = Double.NEGATIVE_INFINITY;
    for (int t = 0; t < positions; t++) {
      double dot = 0;
      for (int i = 0; i < hs; i++) {
        dot += (double) q[h * hs + i] * keys[t * kvDim + g * hs + i];
      }
      s[t] = dot * scale;
      max = Math.max(max, s[t]);
    }
    double sum = 0;
    for (int t = 0; t < positions; t++) {
      s[t] = Math.exp(s[t] - max);
      sum += s[t];
    }
    double[] out = new double[hs];
    for (int t = 0; t < positions; t++) {
      for (int i = 0; i < hs; i++) {
        out[i] += s[t] / sum * values[t * kvDim + g * hs + i];
      }
    }
    return out;
  }

  private static float[] random(int n, SplittableRandom r) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (2 * r.nextDouble() - 1);
    }
    return x;
  }
}
