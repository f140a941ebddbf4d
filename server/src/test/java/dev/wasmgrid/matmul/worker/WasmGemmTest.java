package dev.wasmgrid.matmul.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.matmul.RandomMatrices;
import dev.wasmgrid.matmul.ReferenceGemm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The wasm engine equals the reference kernel bit for bit (same loops, same summation order, and
 * wasm has no fused multiply-add), and refuses what its memory cannot hold before allocating.
 */
class WasmGemmTest {

  @ParameterizedTest
  @CsvSource({"1, 1, 1", "2, 3, 4", "31, 17, 45", "64, 64, 64", "100, 1, 7", "1, 300, 1"})
  void equalsTheReferenceKernelBitForBit(int m, int k, int n) {
    double[] a = RandomMatrices.f64(m, k, 11L * m + k);
    double[] b = RandomMatrices.f64(k, n, 13L * n + k);
    double[] expected = new double[m * n];
    new ReferenceGemm(1).multiply(m, k, n, a, b, expected);
    double[] c = new double[m * n];
    java.util.Arrays.fill(c, Double.NaN); // overwritten, not accumulated into
    new WasmGemm().multiply(m, k, n, a, b, c);
    for (int i = 0; i < c.length; i++) {
      assertThat(Double.doubleToRawLongBits(c[i]))
          .as("c[%d]: wasm %s, reference %s", i, c[i], expected[i])
          .isEqualTo(Double.doubleToRawLongBits(expected[i]));
    }
  }

  @Test
  void theMemoryLimitBoundsTheProductAndTheEstimateIsEnough() {
    WasmGemm small = new WasmGemm(WasmGemm.LIMITS.withMaxPages(16));
    assertThat(small.memoryLimit()).isEqualTo(16L * 65536);
    int fits = 1;
    while (small.memoryNeeded(fits + 1, fits + 1, fits + 1) <= small.memoryLimit()) {
      fits++;
    }
    // The largest square product the check lets through really runs within the limit.
    double[] a = RandomMatrices.f64(fits, fits, 1);
    double[] b = RandomMatrices.f64(fits, fits, 2);
    double[] c = new double[fits * fits];
    small.multiply(fits, fits, fits, a, b, c);
    double[] expected = new double[fits * fits];
    new ReferenceGemm(1).multiply(fits, fits, fits, a, b, expected);
    assertThat(c).isEqualTo(expected);

    int over = fits + 1;
    assertThatThrownBy(
            () ->
                small.multiply(
                    over,
                    over,
                    over,
                    new double[over * over],
                    new double[over * over],
                    new double[over * over]))
        .isInstanceOfSatisfying(
            Failure.class,
            e -> {
              assertThat(e.kind()).isEqualTo(Failure.Kind.TOO_LARGE);
              assertThat(e.code()).isEqualTo("wasm_memory_limit");
              assertThat(e.getMessage()).contains("16 pages").contains("1048576 bytes");
            });
  }

  @Test
  void singlePrecisionIsRefused() {
    assertThatThrownBy(
            () -> new WasmGemm().multiply(1, 1, 1, new float[1], new float[1], new float[1]))
        .isInstanceOfSatisfying(
            Failure.class,
            e -> {
              assertThat(e.kind()).isEqualTo(Failure.Kind.INVALID);
              assertThat(e.code()).isEqualTo("unsupported_dtype");
            });
  }
}
