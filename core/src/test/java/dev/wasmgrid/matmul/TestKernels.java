package dev.wasmgrid.matmul;

import java.util.Arrays;

/**
 * Small real {@link Gemm} implementations for tests: one correct kernel that sums in a different
 * order from the reference, and kernels with the kinds of bugs the accuracy check must catch.
 */
final class TestKernels {

  private TestKernels() {}

  /** Base for the doubles: f32 is computed in f64 and rounded, unless a subclass says otherwise. */
  private abstract static class Base implements Gemm {
    private final String name;

    Base(String name) {
      this.name = name;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public int threads() {
      return 1;
    }

    @Override
    public void multiply(int m, int k, int n, float[] a, float[] b, float[] c) {
      Gemm.checkShapes(m, k, n, a.length, b.length, c.length);
      double[] wide = new double[c.length];
      multiply(m, k, n, widen(a), widen(b), wide);
      for (int i = 0; i < c.length; i++) {
        c[i] = (float) wide[i];
      }
    }

    private static double[] widen(float[] values) {
      double[] result = new double[values.length];
      for (int i = 0; i < values.length; i++) {
        result[i] = values[i];
      }
      return result;
    }
  }

  /** Correct: dot products summed from p = k-1 down to 0, the opposite order to the reference. */
  static Gemm reverseOrder(String name) {
    return new Base(name) {
      @Override
      public void multiply(int m, int k, int n, double[] a, double[] b, double[] c) {
        Gemm.checkShapes(m, k, n, a.length, b.length, c.length);
        for (int i = 0; i < m; i++) {
          for (int j = 0; j < n; j++) {
            double sum = 0.0;
            for (int p = k - 1; p >= 0; p--) {
              sum += a[i * k + p] * b[p * n + j];
            }
            c[i * n + j] = sum;
          }
        }
      }

      @Override
      public void multiply(int m, int k, int n, float[] a, float[] b, float[] c) {
        // Summed in f32 like the reference, so only the order differs.
        Gemm.checkShapes(m, k, n, a.length, b.length, c.length);
        for (int i = 0; i < m; i++) {
          for (int j = 0; j < n; j++) {
            float sum = 0.0f;
            for (int p = k - 1; p >= 0; p--) {
              sum += a[i * k + p] * b[p * n + j];
            }
            c[i * n + j] = sum;
          }
        }
      }
    };
  }

  /** Wrong: an off-by-one loop bound drops the last term p = k-1 of every dot product. */
  static Gemm droppedLastTerm(String name) {
    return new Base(name) {
      @Override
      public void multiply(int m, int k, int n, double[] a, double[] b, double[] c) {
        Gemm.checkShapes(m, k, n, a.length, b.length, c.length);
        Arrays.fill(c, 0.0);
        for (int i = 0; i < m; i++) {
          for (int p = 0; p < k - 1; p++) {
            for (int j = 0; j < n; j++) {
              c[i * n + j] += a[i * k + p] * b[p * n + j];
            }
          }
        }
      }
    };
  }

  /** Wrong: forgets to clear C, so it computes C += A·B instead of C = A·B. */
  static Gemm accumulating(String name) {
    return new Base(name) {
      @Override
      public void multiply(int m, int k, int n, double[] a, double[] b, double[] c) {
        Gemm.checkShapes(m, k, n, a.length, b.length, c.length);
        for (int i = 0; i < m; i++) {
          for (int p = 0; p < k; p++) {
            for (int j = 0; j < n; j++) {
              c[i * n + j] += a[i * k + p] * b[p * n + j];
            }
          }
        }
      }
    };
  }

  /** Wrong: scales A in place to "save an allocation", corrupting the caller's input. */
  static Gemm modifiesInput(String name) {
    return new Base(name) {
      @Override
      public void multiply(int m, int k, int n, double[] a, double[] b, double[] c) {
        for (int i = 0; i < a.length; i++) {
          a[i] *= 2.0;
        }
        new ReferenceGemm(1).multiply(m, k, n, a, b, c);
        for (int i = 0; i < c.length; i++) {
          c[i] *= 0.5;
        }
      }
    };
  }

  /** Correct for f64, but throws for f32, like a backend with a missing code path. */
  static Gemm f64Only(String name) {
    return new Base(name) {
      @Override
      public void multiply(int m, int k, int n, double[] a, double[] b, double[] c) {
        new ReferenceGemm(1).multiply(m, k, n, a, b, c);
      }

      @Override
      public void multiply(int m, int k, int n, float[] a, float[] b, float[] c) {
        throw new UnsupportedOperationException("f32 is not implemented");
      }
    };
  }

  /**
   * The reference result with {@code factor} times the tolerance added to element {@code index}:
   * factor above 1 must fail the accuracy check, below 1 must pass.
   */
  static Gemm perturbed(String name, int index, double factor) {
    return new Base(name) {
      @Override
      public void multiply(int m, int k, int n, double[] a, double[] b, double[] c) {
        new ReferenceGemm(1).multiply(m, k, n, a, b, c);
        c[index] += factor * GemmAccuracy.tolerance(Dtype.F64, k, absProduct(k, n, a, b));
      }

      @Override
      public void multiply(int m, int k, int n, float[] a, float[] b, float[] c) {
        new ReferenceGemm(1).multiply(m, k, n, a, b, c);
        double[] wideA = new double[a.length];
        double[] wideB = new double[b.length];
        for (int i = 0; i < a.length; i++) {
          wideA[i] = a[i];
        }
        for (int i = 0; i < b.length; i++) {
          wideB[i] = b[i];
        }
        c[index] +=
            (float) (factor * GemmAccuracy.tolerance(Dtype.F32, k, absProduct(k, n, wideA, wideB)));
      }

      private double absProduct(int k, int n, double[] a, double[] b) {
        int i = index / n;
        int j = index % n;
        double sum = 0.0;
        for (int p = 0; p < k; p++) {
          sum += Math.abs(a[i * k + p]) * Math.abs(b[p * n + j]);
        }
        return sum;
      }
    };
  }
}
