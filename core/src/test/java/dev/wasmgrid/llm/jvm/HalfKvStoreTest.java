package dev.wasmgrid.llm.jvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.wasmgrid.llm.LlamaConfig;
import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The native kernels' F16 keys and values, and their attention, against doubles. */
class HalfKvStoreTest {
  @BeforeEach
  void nativeKernels() {
    assumeTrue(NativeKernels.available(), "the native kernels do not run here");
  }

  /** Rounded as Java rounds a float to a half: to nearest, ties to even, beyond range to ±∞. */
  @Test
  void valuesAreStoredAsJavaRoundsThemToHalves() {
    LlamaConfig c = LlamaConfig.of(64, 64, 2, 2, 2, 8, 16);
    HalfKvStore store = new HalfKvStore(c);
    store.reserve(4, 0);
    float[] k = new float[64];
    float[] v = new float[64];
    SplittableRandom random = new SplittableRandom(3);
    for (int i = 0; i < 64; i++) {
      k[i] = (float) random.nextDouble(-4, 4);
      v[i] = (float) random.nextDouble(-1e-6, 1e-6); // subnormal halves
    }
    k[0] = 70000f; // beyond a half's range
    k[1] = 1 + 0x1p-11f; // a tie, rounded to even
    k[9] = Float.NaN;
    store.store(1, 2, k, v, 0, 64);
    float[] keys = new float[64];
    float[] values = new float[64];
    store.read(1, false, 2 * 64, keys, 64);
    store.read(1, true, 2 * 64, values, 64);
    for (int i = 0; i < 64; i++) {
      // As bits: NaN is one (canonical) value, and -0 is not 0.
      assertThat(Float.floatToIntBits(keys[i]))
          .as("key %d", i)
          .isEqualTo(Float.floatToIntBits(Float.float16ToFloat(Float.floatToFloat16(k[i]))));
      assertThat(Float.floatToIntBits(values[i]))
          .as("value %d", i)
          .isEqualTo(Float.floatToIntBits(Float.float16ToFloat(Float.floatToFloat16(v[i]))));
    }
    assertThat(keys[0]).isInfinite();
    assertThat(keys[1]).isEqualTo(1f);
  }

  /**
   * Query heads [from, to) over positions [0, n): each output within 1e-5 of the attention computed
   * in doubles over the same halves; heads outside the range untouched. Head sizes with a tail of 8
   * (40: the 256-bit kernel even where 512 runs) or of 16 (48), grouped queries (kvMul 2 and 4),
   * and more scores than the kernel keeps on its stack (4 heads of 3,000 positions).
   */
  @ParameterizedTest
  @CsvSource({
    "64, 1, 1, 0, 1",
    "64, 1, 9, 0, 1",
    "64, 4, 33, 1, 3",
    "40, 4, 17, 0, 4",
    "48, 4, 40, 2, 4",
    "128, 2, 8, 0, 2",
    "32, 2, 3000, 0, 4"
  })
  void attentionMatchesDoublesOverTheSameHalves(
      int headSize, int kvHeads, int n, int from, int to) {
    int heads = 4;
    int kvMul = heads / kvHeads;
    LlamaConfig c = LlamaConfig.of(heads * headSize, 64, 1, heads, kvHeads, 8, n);
    int kvDim = kvHeads * headSize;
    HalfKvStore store = new HalfKvStore(c);
    store.reserve(n, 0);
    SplittableRandom random = new SplittableRandom(n * 31L + headSize);
    float[] k = new float[kvDim];
    float[] v = new float[kvDim];
    for (int pos = 0; pos < n; pos++) {
      for (int i = 0; i < kvDim; i++) {
        k[i] = (float) random.nextDouble(-1, 1);
        v[i] = (float) random.nextDouble(-1, 1);
      }
      store.store(0, pos, k, v, 0, kvDim);
    }
    float[] keys = new float[n * kvDim];
    float[] values = new float[n * kvDim];
    store.read(0, false, 0, keys, n * kvDim);
    store.read(0, true, 0, values, n * kvDim);
    float[] q = new float[heads * headSize];
    for (int i = 0; i < q.length; i++) {
      q[i] = (float) random.nextDouble(-2, 2);
    }
    float[] out = new float[q.length];
    java.util.Arrays.fill(out, 7f);
    store.attend(0, n, q, out, from, to);
    for (int h = 0; h < heads; h++) {
      double[] expected = attention(q, keys, values, h, h / kvMul, headSize, kvDim, n);
      for (int i = 0; i < headSize; i++) {
        if (h < from || h >= to) {
          assertThat(out[h * headSize + i]).as("head %d, outside the range", h).isEqualTo(7f);
        } else {
          assertThat((double) out[h * headSize + i])
              .as("head %d output %d", h, i)
              .isCloseTo(expected[i], Offset.offset(1e-5));
        }
      }
    }
  }

  private static double[] attention(
      float[] q, float[] keys, float[] values, int h, int kv, int hs, int kvDim, int n) {
    double[] scores = new double[n];
    double max = Double.NEGATIVE_INFINITY;
    for (int t = 0; t < n; t++) {
      double dot = 0;
      for (int i = 0; i < hs; i++) {
        dot += (double) q[h * hs + i] * keys[t * kvDim + kv * hs + i];
      }
      scores[t] = dot / Math.sqrt(hs);
      max = Math.max(max, scores[t]);
    }
    double sum = 0;
    for (int t = 0; t < n; t++) {
      scores[t] = Math.exp(scores[t] - max);
      sum += scores[t];
    }
    double[] out = new double[hs];
    for (int t = 0; t < n; t++) {
      for (int i = 0; i < hs; i++) {
        out[i] += scores[t] / sum * values[t * kvDim + kv * hs + i];
      }
    }
    return out;
  }

  /** Growing keeps the positions asked for; a copy takes a prefix as it is. */
  @Test
  void growingAndCopyingKeepThePositions() {
    LlamaConfig c = LlamaConfig.of(32, 64, 3, 2, 1, 8, 64);
    HalfKvStore store = new HalfKvStore(c);
    store.reserve(2, 0);
    float[] k = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    float[] v = new float[16];
    for (int l = 0; l < 3; l++) {
      for (int pos = 0; pos < 2; pos++) {
        for (int i = 0; i < 16; i++) {
          v[i] = 100 * l + 10 * pos + i;
        }
        store.store(l, pos, k, v, 0, 16);
      }
    }
    store.reserve(40, 2);
    HalfKvStore copy = (HalfKvStore) store.empty();
    copy.reserve(8, 0);
    copy.copyPrefix(store, 2);
    float[] got = new float[32];
    for (HalfKvStore s : new HalfKvStore[] {store, copy}) {
      for (int l = 0; l < 3; l++) {
        s.read(l, true, 0, got, 32);
        for (int pos = 0; pos < 2; pos++) {
          for (int i = 0; i < 16; i++) {
            assertThat(got[pos * 16 + i]).isEqualTo(100f * l + 10 * pos + i);
          }
        }
      }
    }
    assertThat(copy.sameKind(store)).isTrue();
    assertThat(store.valueBytes()).isEqualTo(2);
  }
}
