package dev.wasmgrid.llm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.llm.jvm.VectorCompute;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The fast path's products on awkward shapes (row counts not divisible by 4 or by the thread count,
 * columns not a multiple of the vector width) and on packed llama.cpp matrices against double sums
 * of the same weights; attention's many-key kernels against their one-key loops.
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
    float[] data = random(r, rows * cols);
    float[] x = random(r, cols);
    WeightMatrix f32 = new F32Matrix(rows, cols, data);
    check(f32, x, threads);
    if (cols % Q8Matrix.GROUP == 0) {
      check(Quantizer.q8(data, rows, cols), x, threads);
    }
  }

  /**
   * Matrices of llama.cpp's files, mapped as the JVM holds them: packed through the native kernels
   * where they run (Q8_0, Q4_0, Q5_0 and the K-quants), else Q4_K, Q5_K and Q6_K packed through
   * their Java kernels and Q8_0 and Q4_0 widened onto the heap; other types packed and decoded.
   */
  @ParameterizedTest
  @CsvSource({
    "Q4_K_M,1",
    "Q4_K_M,3",
    "Q6_K,2",
    "Q5_K_S,2",
    "IQ4_XS,1",
    "Q8_0,2",
    "Q4_0,1",
    "Q4_0,3"
  })
  void packedProductsMatchDoubleSums(String file, int threads, @TempDir Path dir)
      throws IOException {
    LlamaWeights w = LlamaCppFixtures.mapped(dir, file).weights();
    List<WeightMatrix> matrices = new ArrayList<>(List.of(w.tokenEmbedding(), w.classifier()));
    matrices.addAll(w.wv());
    matrices.addAll(w.w2());
    SplittableRandom r = new SplittableRandom(threads);
    for (WeightMatrix m : matrices) {
      assertThat(m).isInstanceOfAny(PackedMatrix.class, Q8Matrix.class);
      check(m, random(r, m.cols()), threads);
    }
  }

  /**
   * Every row is summed in the same order whichever thread and kernel take it, so the products are
   * bit for bit those of one thread, whatever the split (row counts that split unevenly, and a
   * stories-sized classifier), interpreted or compiled.
   */
  @ParameterizedTest
  @CsvSource({"1030,288", "1031,96", "4100,64", "32000,288", "290,288", "77,32"})
  void productsOnSeveralThreadsEqualOneThreadBitForBit(int rows, int cols) {
    float[] data = TinyModels.uniform(rows, rows * cols, 1f);
    float[] x = TinyModels.uniform(cols, cols, 1f);
    for (WeightMatrix w :
        List.of(new F32Matrix(rows, cols, data), Quantizer.q8(data, rows, cols))) {
      for (int threads = 2; threads <= 3; threads++) {
        float[] one = new float[rows];
        float[] out = new float[rows];
        try (VectorCompute single = new VectorCompute(1);
            VectorCompute split = new VectorCompute(threads)) {
          // Lanes are summed in a fixed order, so this holds interpreted and compiled alike.
          single.matvec(w, x, one);
          split.matvec(w, x, out);
          assertThat(out)
              .as("%s on %d threads", w.getClass().getSimpleName(), threads)
              .containsExactly(one);
        }
      }
    }
  }

  /**
   * Greedy decoding's choice a vector at a time is the scalar loop's, on the values that make the
   * two differ if either is off: ties (the first wins), -0.0 against 0.0, NaNs (never taken, but at
   * 0 always), the largest in the tail past the last whole vector, lengths below one vector.
   */
  @Test
  void argmaxIsTheScalarLoopsOnTiesZerosNansAndTails() {
    SplittableRandom random = new SplittableRandom(7);
    float[] specials = {0f, -0f, Float.NaN, 1f, -1f, Float.POSITIVE_INFINITY, 3f};
    try (VectorCompute compute = new VectorCompute(1)) {
      for (int trial = 0; trial < 20_000; trial++) {
        int n = 1 + random.nextInt(trial % 10 == 0 ? 300 : 40);
        float[] v = new float[n + 3];
        for (int i = 0; i < v.length; i++) {
          v[i] =
              random.nextInt(4) == 0
                  ? specials[random.nextInt(specials.length)]
                  : random.nextInt(7) - 3;
        }
        // Past n: never looked at, so larger than anything in range.
        v[n] = 100f;
        assertThat(compute.argmax(v, n))
            .as("trial %d, n %d: %s", trial, n, Arrays.toString(v))
            .isEqualTo(Sampler.argmax(Arrays.copyOf(v, n)));
      }
      assertThat(compute.argmax(new float[0], 0)).isZero();
    }
  }

  @Test
  void automaticThreadsAreOnePerCoreUpToEight() {
    int cores = Runtime.getRuntime().availableProcessors();
    assertThat(VectorCompute.autoThreads()).isEqualTo(Math.min(cores, 8));
  }

  @ParameterizedTest
  @CsvSource({"64,1", "64,4", "64,7", "64,33", "50,9", "96,6", "8,5", "3,5", "0,3"})
  void manyKeyKernelsEqualTheirOneKeyLoopsBitForBit(int n, int count) {
    SplittableRandom r = new SplittableRandom(n * 31L + count);
    int stride = n + 5;
    float[] q = random(r, n + 3);
    float[] keys = random(r, 3 + count * stride);
    float[] weights = random(r, count);
    float[] y = random(r, n + 2);
    float[] yAlone = y.clone();
    try (VectorCompute c = new VectorCompute(1)) {
      float[] scores = new float[count];
      c.dots(q, 3, keys, 3, stride, n, scores, count);
      c.axpys(weights, count, keys, 3, stride, y, 2, n);
      for (int t = 0; t < count; t++) {
        assertThat(Float.floatToRawIntBits(scores[t]))
            .as("key %d", t)
            .isEqualTo(Float.floatToRawIntBits(c.dot(q, 3, keys, 3 + t * stride, n)));
        c.axpy(weights[t], keys, 3 + t * stride, yAlone, 2, n);
      }
    }
    for (int i = 0; i < y.length; i++) {
      assertThat(Float.floatToRawIntBits(y[i]))
          .as("element %d", i)
          .isEqualTo(Float.floatToRawIntBits(yAlone[i]));
    }
  }

  private static float[] random(SplittableRandom r, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (r.nextDouble() * 2 - 1);
    }
    return v;
  }

  @Test
  void passesOnTheTeamAndOnTheCallerAloneGiveTheSameProducts() {
    SplittableRandom r = new SplittableRandom(5);
    int rows = 300;
    int cols = 96;
    WeightMatrix w = Quantizer.q8(random(r, rows * cols), rows, cols);
    float[] x = random(r, cols);
    float[] expected = new float[rows];
    try (VectorCompute one = new VectorCompute(1)) {
      one.matvec(w, x, expected);
    }
    // Enough passes for the choice to try the caller alone several times (VectorCompute.pass).
    try (VectorCompute two = new VectorCompute(2)) {
      for (int p = 0; p < 300; p++) {
        float[] out = new float[rows];
        two.pass(1, () -> two.matvec(w, x, out));
        assertThat(out).as("pass %d", p).containsExactly(expected);
      }
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
        double xRounding = 0;
        int block = VectorCompute.quantizedInputBlock(w);
        for (int i = 0; block > 0 && i < row.length; i++) {
          xRounding += Math.abs((double) row[i]) * InputRounding.blockMax(x, i, block) / 254;
        }
        for (int i = 0; i < row.length; i++) {
          expected += (double) row[i] * x[i];
        }
        double bound = 1e-4 + xRounding;
        assertThat((double) out[r]).as("row %d", r).isCloseTo(expected, Offset.offset(bound));
      }
      float[] y = x.clone();
      c.axpy(0.5f, row, 0, y, 0, y.length);
      for (int i = 0; i < y.length; i++) {
        assertThat(y[i]).isCloseTo(x[i] + 0.5f * row[i], Offset.offset(1e-6f));
      }
    }
  }
}
