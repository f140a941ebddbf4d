package dev.wasmgrid.matmul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The reference kernel on products small enough to compute by hand. */
class ReferenceGemmTest {

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 5})
  void twoByTwo(int threads) {
    double[] c = new double[4];
    new ReferenceGemm(threads)
        .multiply(2, 2, 2, new double[] {1, 2, 3, 4}, new double[] {5, 6, 7, 8}, c);
    assertThat(c).containsExactly(19, 22, 43, 50);

    float[] cf = new float[4];
    new ReferenceGemm(threads)
        .multiply(2, 2, 2, new float[] {1, 2, 3, 4}, new float[] {5, 6, 7, 8}, cf);
    assertThat(cf).containsExactly(19, 22, 43, 50);
  }

  @Test
  void nonSquare() {
    // [[1, 2, 3], [-4, 5, 6]] (2x3) · [[7], [8], [-9]] (3x1) = [[1*7+2*8-3*9], [-4*7+5*8-6*9]]
    double[] c = new double[2];
    new ReferenceGemm(1)
        .multiply(2, 3, 1, new double[] {1, 2, 3, -4, 5, 6}, new double[] {7, 8, -9}, c);
    assertThat(c).containsExactly(-4, -42);

    // [[1, 2]] (1x2) · [[3, 4, 5], [6, 7, 8]] (2x3) = [[15, 18, 21]]
    float[] cf = new float[3];
    new ReferenceGemm(1).multiply(1, 2, 3, new float[] {1, 2}, new float[] {3, 4, 5, 6, 7, 8}, cf);
    assertThat(cf).containsExactly(15, 18, 21);
  }

  @Test
  void identityLeavesMatrixUnchanged() {
    int n = 5;
    double[] identity = new double[n * n];
    for (int i = 0; i < n; i++) {
      identity[i * n + i] = 1;
    }
    double[] b = RandomMatrices.f64(n, 3, 42);
    double[] c = new double[n * 3];
    new ReferenceGemm(2).multiply(n, n, 3, identity, b, c);
    assertThat(c).containsExactly(b);
  }

  @Test
  void overwritesCAndHandlesEmptyInnerDimension() {
    double[] c = {9, 9, 9, 9};
    new ReferenceGemm(1).multiply(2, 0, 2, new double[0], new double[0], c);
    assertThat(c).containsOnly(0.0);
  }

  @Test
  void rejectsBadShapes() {
    ReferenceGemm gemm = new ReferenceGemm(1);
    assertThatThrownBy(() -> gemm.multiply(2, 3, 2, new double[6], new double[5], new double[4]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("B has 5 elements but its shape needs 6");
    assertThatThrownBy(() -> gemm.multiply(2, -1, 2, new float[0], new float[0], new float[4]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must not be negative");
    assertThatThrownBy(() -> new ReferenceGemm(0)).isInstanceOf(IllegalArgumentException.class);
  }
}
