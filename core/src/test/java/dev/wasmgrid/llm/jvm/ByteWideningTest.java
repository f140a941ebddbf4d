package dev.wasmgrid.llm.jvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.llm.Q8Matrix;
import dev.wasmgrid.llm.ScalarCompute;
import dev.wasmgrid.llm.TensorType;
import dev.wasmgrid.llm.quant.BlockCodecs;
import dev.wasmgrid.llm.quant.ByteWidening;
import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Q8_0, Q4_0 and Q5_0 widened to bytes with a scale per 32, Q4_1, Q5_1, Q4_K and Q5_K with a scale
 * and an offset per 32, IQ4_NL and IQ4_XS with a scale per 32, Q6_K and Q3_K with a scale per 16,
 * Q2_K with a scale and an offset per 16: every weight is the codec's bit for bit, and products
 * (scale · Σ q · x − offset · Σ x per group) are within float rounding of the weight-only sum, the
 * same floats on one or several threads and one vector or a batch.
 */
class ByteWideningTest {

  @ParameterizedTest
  @EnumSource(
      value = TensorType.class,
      names = {
        "Q8_0", "Q4_0", "Q5_0", "Q4_1", "Q5_1", "Q4_K", "Q5_K", "Q6_K", "Q2_K", "Q3_K", "IQ4_NL",
        "IQ4_XS"
      })
  void widenedWeightsAreTheCodecsAndProductsTheirSums(TensorType type) {
    SplittableRandom r = new SplittableRandom(type.name().hashCode());
    int cols = 768;
    int rows = 45;
    int blocks = cols / type.blockSize();
    int rowBytes = blocks * type.blockBytes();
    byte[] all = new byte[rows * rowBytes];
    for (int i = 0; i < rows; i++) {
      System.arraycopy(
          PackedKernelsTest.randomRow(type, blocks, r), 0, all, i * rowBytes, rowBytes);
    }
    byte[] q = new byte[rows * cols];
    int group = ByteWidening.group(type);
    float[] scales = new float[rows * cols / group];
    float[] offsets = ByteWidening.hasOffsets(type) ? new float[scales.length] : null;
    ByteWidening.widen(type, all, 0, rows * blocks, q, 0, scales, offsets, 0);
    Q8Matrix m = new Q8Matrix(rows, cols, group, q, scales, offsets);
    float[][] w = new float[rows][cols];
    float[] row = new float[cols];
    for (int i = 0; i < rows; i++) {
      BlockCodecs.of(type).decode(all, i * rowBytes, w[i], 0, blocks);
      m.row(i, row);
      assertThat(row).as("row %d", i).containsExactly(w[i]);
    }
    int n = 7;
    float[][] xs = new float[n][];
    for (int v = 0; v < n; v++) {
      xs[v] = PackedKernelsTest.randomX(cols, r);
    }
    float[][] expected = Products.of(1, m, xs, n);
    Products.assertEveryWayEquals(expected, m, xs, type.toString());
    float[] scalar = new float[rows];
    for (int v = 0; v < n; v++) {
      new ScalarCompute().matvec(m, xs[v], scalar);
      for (int i = 0; i < rows; i++) {
        double exact = 0;
        double magnitude = 0;
        for (int c = 0; c < cols; c++) {
          exact += (double) w[i][c] * xs[v][c];
          magnitude += Math.abs((double) w[i][c] * xs[v][c]);
        }
        // The offsets' share cancels much of the scaled sum: rounding follows the magnitudes of
        // both terms, bounded here by Σ |w · x| plus Σ |offset · x|.
        double bound = 1e-5 * (magnitude + offsetMagnitude(offsets, i, xs[v])) + 1e-30;
        assertThat((double) expected[v][i])
            .as("vector %d, row %d", v, i)
            .isCloseTo(exact, Offset.offset(bound));
        assertThat((double) scalar[i]).isCloseTo(exact, Offset.offset(bound));
      }
    }
  }

  private static double offsetMagnitude(float[] offsets, int row, float[] x) {
    if (offsets == null) {
      return 0;
    }
    double sum = 0;
    for (int c = 0; c < x.length; c++) {
      sum += Math.abs((double) offsets[(row * x.length + c) / 32] * x[c]);
    }
    return sum;
  }
}
