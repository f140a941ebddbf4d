package dev.wasmgrid.llm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.llm.jvm.VectorCompute;
import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The fast path's products on awkward shapes (row counts not divisible by 4 or by the thread count,
 * columns not a multiple of the vector width) against double sums of the same weights.
 */
class VectorComputeTest {

  @ParameterizedTest
  @CsvSource({
    "1,8,1",
    "3,37,1",
    "13,37,2",
    "130,64,2",
    "257,288,3",
    "7,96,1",
    "1031,32,2",
    "4,5,1"
  })
  void productsMatchDoubleSums(int rows, int cols, int threads) {
    SplittableRandom r = new SplittableRandom(rows * 31L + cols);
    float[] data = new float[rows * cols];
    for (int i = 0; i < data.length; i++) {
      data[i] = (float) (r.nextDouble() * 2 - 1);
    }
    float[] x = new float[cols];
    for (int i = 0; i < cols; i++) {
      x[i] = (float) (r.nextDouble() * 2 - 1);
    }
    WeightMatrix f32 = new F32Matrix(rows, cols, data);
    check(f32, x, threads);
    if (cols % Q8Matrix.GROUP == 0) {
      check(Quantizer.q8(data, rows, cols), x, threads);
    }
  }

  private static void check(WeightMatrix w, float[] x, int threads) {
    float[] out = new float[w.rows()];
    float[] row = new float[w.cols()];
    try (VectorCompute c = new VectorCompute(threads)) {
      c.matvec(w, x, out);
      for (int r = 0; r < w.rows(); r++) {
        w.row(r, row);
        double expected = 0;
        for (int i = 0; i < row.length; i++) {
          expected += (double) row[i] * x[i];
        }
        assertThat((double) out[r]).as("row %d", r).isCloseTo(expected, Offset.offset(1e-4));
      }
      float[] y = x.clone();
      c.axpy(0.5f, row, 0, y, 0, y.length);
      for (int i = 0; i < y.length; i++) {
        assertThat(y[i]).isCloseTo(x[i] + 0.5f * row[i], Offset.offset(1e-6f));
      }
    }
  }
}
