package dev.wasmgrid.bench;

import dev.wasmgrid.matmul.Dtype;
import dev.wasmgrid.matmul.Gemm;
import dev.wasmgrid.matmul.RandomMatrices;
import dev.wasmgrid.matmul.ReferenceGemm;
import java.util.Arrays;

/**
 * Seeded n × n operands of one dtype, the product buffer and the expected product, with the check
 * that keeps a wrong kernel from being reported as fast.
 *
 * <p>The check allows |c_ij - expected_ij| ≤ 2·n·u·‖a_i‖₂·‖b_j‖₂ + n·(smallest normal): two
 * summation orders differ by at most 2·γ_n·(|A|·|B|)_ij, and Cauchy–Schwarz bounds (|A|·|B|)_ij by
 * the norms of row i of A and column j of B, which costs O(n²) where |A|·|B| would cost a second
 * reference product (seconds at n = 2048).
 */
abstract sealed class MatmulOperands {

  final Dtype dtype;
  final int n;
  private final double[] rowNormsA;
  private final double[] colNormsB;

  private MatmulOperands(Dtype dtype, int n, double[] rowNormsA, double[] colNormsB) {
    this.dtype = dtype;
    this.n = n;
    this.rowNormsA = rowNormsA;
    this.colNormsB = colNormsB;
  }

  static MatmulOperands random(Dtype dtype, int n, long seed) {
    return switch (dtype) {
      case F64 -> new F64(n, RandomMatrices.f64(n, n, seed), RandomMatrices.f64(n, n, seed + 1));
      case F32 -> new F32(n, RandomMatrices.f32(n, n, seed), RandomMatrices.f32(n, n, seed + 1));
    };
  }

  /** Fills C with NaN, so a kernel that leaves C alone cannot pass with an earlier product. */
  abstract void poisonC();

  /** C = A·B with the given kernel. */
  abstract void multiply(Gemm gemm);

  /** Takes the current C as the expected product (after the reference ran). */
  abstract void keepAsExpected();

  abstract boolean hasExpected();

  /** Computes the expected product with {@link ReferenceGemm}, leaving C alone. */
  abstract void computeExpected();

  abstract double c(int index);

  abstract double expected(int index);

  /** Null when C agrees with the expected product, otherwise what is wrong. */
  final String checkAgainstExpected() {
    if (!hasExpected()) {
      computeExpected();
    }
    double u = dtype.unitRoundoff();
    double tiny = n * (dtype == Dtype.F64 ? Double.MIN_NORMAL : Float.MIN_NORMAL);
    int outside = 0;
    String first = null;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        int at = i * n + j;
        double bound = 2 * n * u * rowNormsA[i] * colNormsB[j] + tiny;
        double diff = Math.abs(c(at) - expected(at));
        if (!(diff <= bound)) { // also catches NaN
          if (first == null) {
            first =
                "C[%d][%d] = %s, reference %s, |diff| %.3g > bound %.3g"
                    .formatted(i, j, c(at), expected(at), diff, bound);
          }
          outside++;
        }
      }
    }
    return first == null ? null : first + " (" + outside + " elements outside the bound)";
  }

  private static double[] rowNorms(int n, double[] squares) {
    double[] norms = new double[n];
    for (int i = 0; i < n; i++) {
      double sum = 0;
      for (int p = 0; p < n; p++) {
        sum += squares[i * n + p];
      }
      norms[i] = Math.sqrt(sum);
    }
    return norms;
  }

  private static double[] colNorms(int n, double[] squares) {
    double[] sums = new double[n];
    for (int p = 0; p < n; p++) {
      for (int j = 0; j < n; j++) {
        sums[j] += squares[p * n + j];
      }
    }
    for (int j = 0; j < n; j++) {
      sums[j] = Math.sqrt(sums[j]);
    }
    return sums;
  }

  private static double[] squares(double[] values) {
    double[] out = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = values[i] * values[i];
    }
    return out;
  }

  private static double[] squares(float[] values) {
    double[] out = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (double) values[i] * values[i];
    }
    return out;
  }

  private static ReferenceGemm reference() {
    return new ReferenceGemm(Runtime.getRuntime().availableProcessors());
  }

  static final class F64 extends MatmulOperands {
    private final double[] a;
    private final double[] b;
    private final double[] c;
    private double[] expected;

    F64(int n, double[] a, double[] b) {
      super(Dtype.F64, n, rowNorms(n, squares(a)), colNorms(n, squares(b)));
      this.a = a;
      this.b = b;
      this.c = new double[n * n];
    }

    @Override
    void poisonC() {
      Arrays.fill(c, Double.NaN);
    }

    @Override
    void multiply(Gemm gemm) {
      gemm.multiply(n, n, n, a, b, c);
    }

    @Override
    void keepAsExpected() {
      expected = c.clone();
    }

    @Override
    boolean hasExpected() {
      return expected != null;
    }

    @Override
    void computeExpected() {
      expected = new double[n * n];
      reference().multiply(n, n, n, a, b, expected);
    }

    @Override
    double c(int index) {
      return c[index];
    }

    @Override
    double expected(int index) {
      return expected[index];
    }
  }

  static final class F32 extends MatmulOperands {
    private final float[] a;
    private final float[] b;
    private final float[] c;
    private float[] expected;

    F32(int n, float[] a, float[] b) {
      super(Dtype.F32, n, rowNorms(n, squares(a)), colNorms(n, squares(b)));
      this.a = a;
      this.b = b;
      this.c = new float[n * n];
    }

    @Override
    void poisonC() {
      Arrays.fill(c, Float.NaN);
    }

    @Override
    void multiply(Gemm gemm) {
      gemm.multiply(n, n, n, a, b, c);
    }

    @Override
    void keepAsExpected() {
      expected = c.clone();
    }

    @Override
    boolean hasExpected() {
      return expected != null;
    }

    @Override
    void computeExpected() {
      expected = new float[n * n];
      reference().multiply(n, n, n, a, b, expected);
    }

    @Override
    double c(int index) {
      return c[index];
    }

    @Override
    double expected(int index) {
      return expected[index];
    }
  }
}
