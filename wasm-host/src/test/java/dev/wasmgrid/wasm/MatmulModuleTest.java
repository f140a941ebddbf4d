package dev.wasmgrid.wasm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.matmul.ReferenceGemm;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The matmul module gives the JVM reference kernel's bits: same loop, same summation order. */
class MatmulModuleTest {

  private static final CompiledModule MATMUL =
      WasmModules.bundled("matmul", ModuleLimits.defaults());

  private static double[] random(int length, Random random) {
    double[] values = new double[length];
    for (int i = 0; i < values.length; i++) {
      values[i] = random.nextDouble() * 2 - 1;
    }
    return values;
  }

  @ParameterizedTest
  @CsvSource({"1, 1, 1", "3, 5, 7", "17, 31, 13", "64, 33, 65", "1, 129, 1", "100, 1, 3"})
  void equalsReferenceGemmBitForBit(int m, int k, int n) {
    Random random = new Random(31L * m + 7L * k + n);
    double[] a = random(m * k, random);
    double[] b = random(k * n, random);
    double[] expected = new double[m * n];
    ReferenceGemm.rows(0, m, k, n, a, b, expected);

    try (WasmInstance wasm = MATMUL.instantiate()) {
      int pa = wasm.writeDoubles(a);
      int pb = wasm.writeDoubles(b);
      // C starts as garbage: the kernel must overwrite it, not accumulate into it.
      double[] garbage = new double[m * n];
      java.util.Arrays.fill(garbage, Double.NaN);
      int pc = wasm.writeDoubles(garbage);
      assertThat(wasm.call("matmul", m, k, n, pa, pb, pc)).isEmpty();
      double[] c = wasm.readDoubles(pc, m * n);
      for (int i = 0; i < c.length; i++) {
        assertThat(Double.doubleToRawLongBits(c[i]))
            .as("c[%d] of %dx%dx%d: wasm %s, JVM %s", i, m, k, n, c[i], expected[i])
            .isEqualTo(Double.doubleToRawLongBits(expected[i]));
      }
    }
  }
}
