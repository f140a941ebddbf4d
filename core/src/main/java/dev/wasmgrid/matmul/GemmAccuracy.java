package dev.wasmgrid.matmul;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * The accuracy every {@link Gemm} is held to, measured against {@link ReferenceGemm}.
 *
 * <p>Element (i, j) of a product with inner dimension k passes when
 *
 * <pre>|c_ij − ref_ij| ≤ 2·k·u·(|A|·|B|)_ij + tiny</pre>
 *
 * where u is {@link Dtype#unitRoundoff()} (2⁻⁵³ for f64, 2⁻²⁴ for f32), {@code |A|·|B|} is the
 * product of the element-wise absolute values (computed by the reference kernel in f64) and tiny is
 * the smallest normal number of the dtype, so that exact zeros and underflow compare sanely.
 *
 * <p>Why this bound: a dot product of length k, summed in any order with or without fused
 * multiply-add, is within γ_k·(|A|·|B|)_ij of the exact value, γ_k = k·u/(1 − k·u) ≈ k·u. The
 * candidate and the reference are each that close to the exact product, so they are within about
 * twice that of each other. Blocked kernels (BLAS, SIMD) sum in a different order from the
 * reference and legitimately differ from it in the last bits; a wrong index or a dropped term is
 * off by far more.
 */
public final class GemmAccuracy {

  private static final Gemm REFERENCE = new ReferenceGemm(1);

  private GemmAccuracy() {}

  /**
   * The largest accepted |c_ij − ref_ij| for an element whose (|A|·|B|)_ij is {@code absProduct}.
   */
  public static double tolerance(Dtype dtype, int k, double absProduct) {
    return 2.0 * k * dtype.unitRoundoff() * absProduct + tiny(dtype);
  }

  private static double tiny(Dtype dtype) {
    return switch (dtype) {
      case F64 -> Double.MIN_NORMAL;
      case F32 -> Float.MIN_NORMAL;
    };
  }

  /**
   * Runs {@code candidate} on A (m×k) and B (k×n) and compares its C with {@link ReferenceGemm}'s.
   *
   * <p>C is filled with NaN before the call, so an element the candidate forgets to write fails;
   * the candidate gets copies of A and B and fails if it changes them.
   *
   * @return empty if every element is within {@link #tolerance}, otherwise what is wrong (the worst
   *     element, relative to its tolerance)
   * @throws RuntimeException whatever the candidate throws
   */
  public static Optional<String> check(
      Gemm candidate, int m, int k, int n, double[] a, double[] b) {
    return check(candidate, REFERENCE, m, k, n, a, b);
  }

  /** Single-precision twin of {@link #check(Gemm, int, int, int, double[], double[])}. */
  public static Optional<String> check(Gemm candidate, int m, int k, int n, float[] a, float[] b) {
    return check(candidate, REFERENCE, m, k, n, a, b);
  }

  /**
   * As {@link #check(Gemm, int, int, int, double[], double[])}, with the given reference kernel
   * computing both the expected C and |A|·|B|.
   */
  public static Optional<String> check(
      Gemm candidate, Gemm reference, int m, int k, int n, double[] a, double[] b) {
    Gemm.checkShapes(m, k, n, a.length, b.length, m * n);
    double[] aCopy = a.clone();
    double[] bCopy = b.clone();
    double[] c = new double[m * n];
    Arrays.fill(c, Double.NaN);
    candidate.multiply(m, k, n, aCopy, bCopy, c);
    if (!Arrays.equals(a, aCopy) || !Arrays.equals(b, bCopy)) {
      return Optional.of(shape(Dtype.F64, m, k, n) + ": the kernel modified its input A or B");
    }
    double[] ref = new double[m * n];
    reference.multiply(m, k, n, a, b, ref);
    return compare(Dtype.F64, m, k, n, c, ref, absProduct(reference, m, k, n, a, b));
  }

  /**
   * Single-precision twin of {@link #check(Gemm, Gemm, int, int, int, double[], double[])}: the
   * expected C is computed in f32, |A|·|B| in f64.
   */
  public static Optional<String> check(
      Gemm candidate, Gemm reference, int m, int k, int n, float[] a, float[] b) {
    Gemm.checkShapes(m, k, n, a.length, b.length, m * n);
    float[] aCopy = a.clone();
    float[] bCopy = b.clone();
    float[] c = new float[m * n];
    Arrays.fill(c, Float.NaN);
    candidate.multiply(m, k, n, aCopy, bCopy, c);
    if (!Arrays.equals(a, aCopy) || !Arrays.equals(b, bCopy)) {
      return Optional.of(shape(Dtype.F32, m, k, n) + ": the kernel modified its input A or B");
    }
    float[] ref = new float[m * n];
    reference.multiply(m, k, n, a, b, ref);
    return compare(
        Dtype.F32,
        m,
        k,
        n,
        widen(c),
        widen(ref),
        absProduct(reference, m, k, n, widen(a), widen(b)));
  }

  private static Optional<String> compare(
      Dtype dtype, int m, int k, int n, double[] c, double[] ref, double[] abs) {
    int worst = -1;
    double worstRatio = 1.0; // only ratios above 1 are failures
    for (int i = 0; i < c.length; i++) {
      double error = Math.abs(c[i] - ref[i]);
      double ratio = error / tolerance(dtype, k, abs[i]);
      // Written so that NaN (a NaN or unwritten element) counts as a failure.
      if (!(ratio <= worstRatio)) {
        worst = i;
        worstRatio = ratio;
        if (Double.isNaN(ratio)) {
          break;
        }
      }
    }
    if (worst < 0) {
      return Optional.empty();
    }
    return Optional.of(
        String.format(
            Locale.ROOT,
            "%s: c[%d,%d] = %s but the reference gives %s (|error| %.3g > tolerance %.3g)",
            shape(dtype, m, k, n),
            worst / n,
            worst % n,
            c[worst],
            ref[worst],
            Math.abs(c[worst] - ref[worst]),
            tolerance(dtype, k, abs[worst])));
  }

  /** |A|·|B|, computed by the reference kernel in f64. */
  private static double[] absProduct(Gemm reference, int m, int k, int n, double[] a, double[] b) {
    double[] result = new double[m * n];
    reference.multiply(m, k, n, abs(a), abs(b), result);
    return result;
  }

  private static double[] abs(double[] values) {
    double[] result = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      result[i] = Math.abs(values[i]);
    }
    return result;
  }

  private static double[] widen(float[] values) {
    double[] result = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      result[i] = values[i];
    }
    return result;
  }

  private static String shape(Dtype dtype, int m, int k, int n) {
    return dtype.wireName() + " " + m + "x" + k + "x" + n;
  }
}
