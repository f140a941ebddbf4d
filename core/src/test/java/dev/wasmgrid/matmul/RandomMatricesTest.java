package dev.wasmgrid.matmul;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RandomMatricesTest {

  @Test
  void sameSeedSameElementsOtherSeedOthers() {
    assertThat(RandomMatrices.f64(7, 9, 5)).containsExactly(RandomMatrices.f64(7, 9, 5));
    assertThat(RandomMatrices.f64(7, 9, 5)).isNotEqualTo(RandomMatrices.f64(7, 9, 6));
    assertThat(RandomMatrices.f32(7, 9, 5)).containsExactly(RandomMatrices.f32(7, 9, 5));
    assertThat(RandomMatrices.f32(7, 9, 5)).isNotEqualTo(RandomMatrices.f32(7, 9, 6));
  }

  @Test
  void elementsLieInMinusOneToOne() {
    double[] values = RandomMatrices.f64(100, 100, 1);
    assertThat(values).hasSize(10_000);
    assertThat(Arrays.stream(values).min().orElseThrow()).isBetween(-1.0, -0.99);
    assertThat(Arrays.stream(values).max().orElseThrow()).isBetween(0.99, 1.0).isLessThan(1.0);
    float[] floats = RandomMatrices.f32(3, 4, 1);
    assertThat(floats).hasSize(12);
    Matrix m = RandomMatrices.of(Dtype.F32, 3, 4, 1);
    assertThat(m.rows()).isEqualTo(3);
    assertThat(m.get(2, 3)).isEqualTo(floats[11]);
  }
}
