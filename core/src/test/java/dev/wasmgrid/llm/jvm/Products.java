package dev.wasmgrid.llm.jvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.llm.WeightMatrix;

/** Products through {@link VectorCompute}, and the check that a split or a batch changes none. */
final class Products {

  private Products() {}

  /** {@code w} times {@code xs[0 .. n)} on {@code threads} threads. */
  static float[][] of(int threads, WeightMatrix w, float[][] xs, int n) {
    float[][] outs = new float[n][w.rows()];
    try (VectorCompute compute = new VectorCompute(threads)) {
      compute.matmul(w, xs, outs, n);
    }
    return outs;
  }

  /**
   * {@code w}'s products on 1 and 3 threads, the first 1, 2, ... or all of {@code xs} at a time
   * (each mix of the four-vector, two-vector and one-vector kernels), equal {@code expected} bit
   * for bit.
   */
  static void assertEveryWayEquals(float[][] expected, WeightMatrix w, float[][] xs, String what) {
    for (int threads : new int[] {1, 3}) {
      for (int batch = 1; batch <= xs.length; batch++) {
        float[][] got = of(threads, w, xs, batch);
        for (int v = 0; v < batch; v++) {
          for (int i = 0; i < w.rows(); i++) {
            assertThat(Float.floatToRawIntBits(got[v][i]))
                .as("%s, %d threads, batch %d, vector %d, row %d", what, threads, batch, v, i)
                .isEqualTo(Float.floatToRawIntBits(expected[v][i]));
          }
        }
      }
    }
  }
}
