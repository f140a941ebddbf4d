package dev.wasmgrid.matmul;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

/**
 * The forward error bound two GEMMs that sum in different orders must both meet.
 *
 * <p>Each computed element satisfies |ĉ_ij - c_ij| ≤ γ_k (|A|·|B|)_ij with γ_k = k·u/(1 - k·u)
 * (Higham, Accuracy and Stability of Numerical Algorithms, §3.5), whether the products are fused or
 * not, so two results differ by at most 2·k·u·(|A|·|B|)_ij to first order. {@code tiny} (the
 * dtype's smallest normal number times k) absorbs underflow, which the relative bound misses.
 */
final class ErrorBound {

  private ErrorBound() {}

  /** Asserts C = A·B within the bound for f64 operands, against {@link ReferenceGemm}. */
  static void assertAgrees(int m, int k, int n, double[] a, double[] b, double[] actual) {
    double[] expected = new double[m * n];
    new ReferenceGemm(1).multiply(m, k, n, a, b, expected);
    assertWithin(Dtype.F64, m, k, n, a, b, actual, expected);
  }

  /** Asserts C = A·B within the bound for f32 operands, against {@link ReferenceGemm} in f32. */
  static void assertAgrees(int m, int k, int n, float[] a, float[] b, float[] actual) {
    float[] expected = new float[m * n];
    new ReferenceGemm(1).multiply(m, k, n, a, b, expected);
    assertWithin(Dtype.F32, m, k, n, widen(a), widen(b), widen(actual), widen(expected));
  }

  /** Elementwise check; operands are given widened to double whatever the dtype. */
  static void assertWithin(
      Dtype dtype,
      int m,
      int k,
      int n,
      double[] a,
      double[] b,
      double[] actual,
      double[] expected) {
    // |A|·|B| in f64: for f32 operands this is far more accurate than the bound needs.
    double[] magnitude = new double[m * n];
    new ReferenceGemm(1).multiply(m, k, n, abs(a), abs(b), magnitude);
    double u = dtype.unitRoundoff();
    double tiny = k * (dtype == Dtype.F64 ? Double.MIN_NORMAL : Float.MIN_NORMAL);
    List<String> violations = new ArrayList<>();
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        int at = i * n + j;
        double bound = 2 * k * u * magnitude[at] + tiny;
        double diff = Math.abs(actual[at] - expected[at]);
        if (!(diff <= bound) && violations.size() < 5) { // also catches NaN
          violations.add(
              "C[%d][%d] = %s, reference %s, |diff| %s > bound %s"
                  .formatted(i, j, actual[at], expected[at], diff, bound));
        }
      }
    }
    assertThat(violations)
        .as("%s %dx%dx%d: elements outside 2·k·u·(|A|·|B|)", dtype.wireName(), m, k, n)
        .isEmpty();
  }

  static double[] widen(float[] values) {
    double[] wide = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      wide[i] = values[i];
    }
    return wide;
  }

  private static double[] abs(double[] values) {
    double[] out = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = Math.abs(values[i]);
    }
    return out;
  }
}
