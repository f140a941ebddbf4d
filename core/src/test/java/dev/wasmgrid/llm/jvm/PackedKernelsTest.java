package dev.wasmgrid.llm.jvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.llm.InputRounding;
import dev.wasmgrid.llm.PackedMatrix;
import dev.wasmgrid.llm.Q8Matrix;
import dev.wasmgrid.llm.TensorType;
import dev.wasmgrid.llm.quant.BlockCodecs;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each packed kernel against the weight-only reference: the codec's weights dotted with x in
 * double. Types that quantize x ({@link PackedKernels#quantizeActivations}) may differ by x's
 * rounding, at most half a step per value: Σ |w| · amax/254, amax that of each weight's group of 32
 * values of x. On top of that every kernel may differ by float rounding of its sums, a few ulps of
 * Σ |w · x| for rows this long; 1e-5 of it is ample.
 */
class PackedKernelsTest {
  /** f16 scales from the smallest normal to near the largest, of both signs. */
  private static final float[] SCALES = {6.1e-5f, 1e-3f, 0.5f, 3f, 100f, 6e4f, -2e-2f, -700f};

  /** Magnitudes of x per group of 32: all zero, tiny, ordinary, large. */
  private static final float[] AMPLITUDES = {0, 1e-6f, 1f, 30f, 1e3f};

  @BeforeEach
  void kernelsRunHere() {
    Assumptions.assumeTrue(PackedKernels.SUPPORTED, "no 256-bit vectors on this CPU");
  }

  @ParameterizedTest
  @EnumSource(
      value = TensorType.class,
      names = {"Q4_K", "Q5_K", "Q6_K"})
  void kernelsMatchTheWeightOnlyDotWithinTheStatedBound(TensorType type) {
    SplittableRandom r = new SplittableRandom(type.name().hashCode());
    for (int cols : new int[] {256, 768, 2048}) {
      int blocks = cols / type.blockSize();
      for (int trial = 0; trial < 40; trial++) {
        byte[] row = randomRow(type, blocks, r);
        float[] x = randomX(cols, r);
        float[] w = new float[cols];
        BlockCodecs.of(type).decode(row, 0, w, 0, blocks);
        double exact = 0;
        double magnitude = 0;
        double rounding = 0;
        for (int i = 0; i < cols; i++) {
          exact += (double) w[i] * x[i];
          magnitude += Math.abs((double) w[i] * x[i]);
          rounding += Math.abs((double) w[i]) * InputRounding.blockMax(x, i, 32) / 254;
        }
        boolean quantizes = type != TensorType.Q5_K && type != TensorType.Q6_K;
        double bound = (quantizes ? rounding : 0) + 1e-5 * (magnitude + rounding) + 1e-30;
        assertThat((double) dot(type, row, 0, blocks, x))
            .as("%s, %d columns, trial %d", type, cols, trial)
            .isCloseTo(exact, org.assertj.core.data.Offset.offset(bound));
      }
    }
  }

  /**
   * A row's product depends on its bytes and x alone: the same row between other rows, at another
   * offset, or in a range split over other threads gives the same float, bit for bit (a batched
   * product relies on that to match single vectors).
   */
  @ParameterizedTest
  @EnumSource(
      value = TensorType.class,
      names = {"Q4_K", "Q5_K", "Q6_K"})
  void aRowsProductDependsOnItsBytesAndXAlone(TensorType type) {
    SplittableRandom r = new SplittableRandom(17 + type.name().hashCode());
    int blocks = 768 / type.blockSize();
    int rows = 37;
    int rowBytes = blocks * type.blockBytes();
    byte[] all = new byte[rows * rowBytes];
    for (int i = 0; i < rows; i++) {
      System.arraycopy(randomRow(type, blocks, r), 0, all, i * rowBytes, rowBytes);
    }
    float[] x = randomX(768, r);
    PackedMatrix m = new PackedMatrix(rows, 768, all, BlockCodecs.of(type));
    float[] one = new float[rows];
    float[] three = new float[rows];
    try (VectorCompute single = new VectorCompute(1);
        VectorCompute split = new VectorCompute(3)) {
      single.matvec(m, x, one);
      split.matvec(m, x, three);
    }
    for (int i = 0; i < rows; i++) {
      byte[] alone = new byte[rowBytes + 5];
      System.arraycopy(all, i * rowBytes, alone, 5, rowBytes);
      int row = i;
      assertThat(Float.floatToRawIntBits(one[i]))
          .as("row %d", row)
          .isEqualTo(Float.floatToRawIntBits(three[i]))
          .isEqualTo(Float.floatToRawIntBits(dot(type, alone, 5, blocks, x)));
    }
  }

  @Test
  void quantizedActivationsAreWithinHalfAStep() {
    SplittableRandom r = new SplittableRandom(5);
    float[] x = randomX(1024, r);
    short[] q = new short[x.length];
    float[] scales = new float[x.length / 32];
    float[] sums = new float[scales.length];
    PackedKernels.quantizeActivations(x, x.length, q, scales, sums);
    for (int g = 0; g < scales.length; g++) {
      assertThat(scales[g]).isEqualTo(InputRounding.blockMax(x, 32 * g, 32) / 127);
      int sum = 0;
      for (int i = 32 * g; i < 32 * g + 32; i++) {
        assertThat((int) q[i]).isBetween(-127, 127);
        assertThat((double) Math.abs(q[i] * scales[g] - x[i]))
            .isLessThanOrEqualTo(scales[g] * 0.5001 + 1e-30);
        sum += q[i];
      }
      assertThat(sums[g]).isEqualTo(scales[g] * sum);
    }
  }

  private static float dot(TensorType type, byte[] src, int at, int blocks, float[] x) {
    short[] xq = new short[x.length];
    float[] xScales = new float[x.length / 32];
    float[] xSums = new float[xScales.length];
    PackedKernels.quantizeActivations(x, x.length, xq, xScales, xSums);
    float[] sums = Q8Matrix.groupSums(x, 32);
    return switch (type) {
      case Q4_K -> KQuantKernels.dotQ4K(src, at, blocks, xq, xScales, xSums);
      case Q5_K -> KQuantKernels.dotQ5K(src, at, blocks, x, sums);
      case Q6_K -> KQuantKernels.dotQ6K(src, at, blocks, x);
      default -> throw new IllegalArgumentException(type.toString());
    };
  }

  /** Random bytes with the type's f16 scales set from {@link #SCALES}. */
  static byte[] randomRow(TensorType type, int blocks, SplittableRandom r) {
    byte[] row = new byte[blocks * type.blockBytes()];
    r.nextBytes(row);
    for (int b = 0; b < blocks; b++) {
      int at = b * type.blockBytes();
      switch (type) {
        case Q6_K -> putHalf(row, at + 208, SCALES[r.nextInt(SCALES.length)]);
        case Q2_K -> {
          putHalf(row, at + 80, SCALES[r.nextInt(SCALES.length)]);
          putHalf(row, at + 82, SCALES[r.nextInt(SCALES.length)]);
        }
        case Q3_K -> putHalf(row, at + 108, SCALES[r.nextInt(SCALES.length)]);
        case Q4_1, Q5_1, Q4_K, Q5_K -> {
          putHalf(row, at, SCALES[r.nextInt(SCALES.length)]);
          putHalf(row, at + 2, SCALES[r.nextInt(SCALES.length)]);
        }
        default -> putHalf(row, at, SCALES[r.nextInt(SCALES.length)]);
      }
    }
    return row;
  }

  /** Gaussian x with each group of 32 at one of {@link #AMPLITUDES}. */
  static float[] randomX(int n, SplittableRandom r) {
    float[] x = new float[n];
    for (int g = 0; g < n / 32; g++) {
      float amplitude = AMPLITUDES[r.nextInt(AMPLITUDES.length)];
      for (int i = 32 * g; i < 32 * g + 32; i++) {
        x[i] = (float) (amplitude * (r.nextDouble() * 2 - 1));
      }
    }
    return x;
  }

  private static void putHalf(byte[] dst, int at, float v) {
    short h = Float.floatToFloat16(v);
    dst[at] = (byte) h;
    dst[at + 1] = (byte) (h >>> 8);
  }
}
