package dev.wasmgrid.matmul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MatrixTest {

  @Test
  void bandsAndTilesRoundTrip() {
    Matrix.F64 m = new Matrix.F64(3, 4, new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
    assertThat(m.rows(1, 3).data()).containsExactly(5, 6, 7, 8, 9, 10, 11, 12);
    assertThat(m.cols(1, 3).data()).containsExactly(2, 3, 6, 7, 10, 11);
    Matrix.F64 target = Matrix.F64.zeros(3, 4);
    target.put(0, 0, m.cols(0, 2));
    target.put(0, 2, m.cols(2, 4));
    assertThat(target.data()).containsExactly(m.data());

    Matrix.F32 f = new Matrix.F32(2, 3, new float[] {1, 2, 3, 4, 5, 6});
    Matrix.F32 g = Matrix.F32.zeros(2, 3);
    g.put(1, 0, f.rows(1, 2));
    g.put(0, 1, f.rows(0, 1).cols(1, 3));
    assertThat(g.data()).containsExactly(0, 2, 3, 4, 5, 6);
  }

  @Test
  void rangesAndTilesAreChecked() {
    Matrix.F64 m = Matrix.F64.zeros(2, 2);
    assertThatThrownBy(() -> m.rows(1, 3)).hasMessageContaining("rows [1, 3)");
    assertThatThrownBy(() -> m.cols(-1, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> m.put(1, 1, Matrix.F64.zeros(2, 1)))
        .hasMessageContaining("does not fit");
    assertThatThrownBy(() -> m.put(0, 0, Matrix.F32.zeros(1, 1))).hasMessageContaining("f32");
  }
}
