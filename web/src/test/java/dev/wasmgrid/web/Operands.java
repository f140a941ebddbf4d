package dev.wasmgrid.web;

import dev.wasmgrid.matmul.ReferenceGemm;
import java.util.ArrayList;
import java.util.List;

/**
 * The page's operands (web/src/main/webapp/operands.js) in Java, and what the JVM makes of them:
 * {@code a[i*k+p] = ((7i + 3p + seed) mod 13 - 6) / 7}, {@code b[p*n+j] = ((5p + 11j + seed) mod 17
 * - 8) / 9}, rounded to nearest for f32.
 */
final class Operands {
  private Operands() {}

  static double a(int i, int p, int seed) {
    return ((i * 7 + p * 3 + seed) % 13 - 6) / 7.0;
  }

  static double b(int p, int j, int seed) {
    return ((p * 5 + j * 11 + seed) % 17 - 8) / 9.0;
  }

  static double[] a64(int m, int k, int seed) {
    double[] a = new double[m * k];
    for (int i = 0; i < m; i++) {
      for (int p = 0; p < k; p++) {
        a[i * k + p] = a(i, p, seed);
      }
    }
    return a;
  }

  static double[] b64(int k, int n, int seed) {
    double[] b = new double[k * n];
    for (int p = 0; p < k; p++) {
      for (int j = 0; j < n; j++) {
        b[p * n + j] = b(p, j, seed);
      }
    }
    return b;
  }

  static float[] f32(double[] x) {
    float[] y = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = (float) x[i];
    }
    return y;
  }

  /** C = A·B of the n×n operands in f64, by the server's reference kernel. */
  static double[] product64(int n, int seed) {
    double[] c = new double[n * n];
    new ReferenceGemm(1).multiply(n, n, n, a64(n, n, seed), b64(n, n, seed), c);
    return c;
  }

  /** C = A·B of the n×n operands in f32, by the server's reference kernel. */
  static float[] product32(int n, int seed) {
    float[] c = new float[n * n];
    new ReferenceGemm(1).multiply(n, n, n, f32(a64(n, n, seed)), f32(b64(n, n, seed)), c);
    return c;
  }

  /** The page's checksum: every entry summed in row-major order as a double. */
  static double checksum(double[] c) {
    double s = 0;
    for (double x : c) {
      s += x;
    }
    return s;
  }

  /** Each entry's raw bits as 16 hex digits, as the page reports them. */
  static List<String> bits(double[] c) {
    List<String> out = new ArrayList<>(c.length);
    for (double x : c) {
      out.add(String.format("%016x", Double.doubleToRawLongBits(x)));
    }
    return out;
  }
}
