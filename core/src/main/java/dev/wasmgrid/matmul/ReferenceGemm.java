package dev.wasmgrid.matmul;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The obviously-correct kernel every other one is tested against: a plain i-k-j loop, each thread
 * taking a contiguous band of rows. It accumulates in the element type, in the order p = 0..k-1.
 */
public final class ReferenceGemm implements Gemm {

  private final int threads;

  /** A reference kernel splitting rows over {@code threads} threads (1 = the calling thread). */
  public ReferenceGemm(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }
    this.threads = threads;
  }

  @Override
  public String name() {
    return "ref";
  }

  @Override
  public int threads() {
    return threads;
  }

  @Override
  public void multiply(int m, int k, int n, double[] a, double[] b, double[] c) {
    Gemm.checkShapes(m, k, n, a.length, b.length, c.length);
    inBands(m, (from, to) -> rows(from, to, k, n, a, b, c));
  }

  @Override
  public void multiply(int m, int k, int n, float[] a, float[] b, float[] c) {
    Gemm.checkShapes(m, k, n, a.length, b.length, c.length);
    inBands(m, (from, to) -> rows(from, to, k, n, a, b, c));
  }

  /**
   * Rows {@code from..to-1} of C = A·B on the calling thread: the loop {@link #multiply} runs in
   * each band. Public so that the browser build (TeaVM, which has no thread pools) runs the very
   * same loop; shapes are the caller's to check.
   */
  public static void rows(int from, int to, int k, int n, double[] a, double[] b, double[] c) {
    for (int i = from; i < to; i++) {
      Arrays.fill(c, i * n, i * n + n, 0.0);
      for (int p = 0; p < k; p++) {
        double aip = a[i * k + p];
        for (int j = 0; j < n; j++) {
          c[i * n + j] += aip * b[p * n + j];
        }
      }
    }
  }

  /** The f32 twin of {@link #rows(int, int, int, int, double[], double[], double[])}. */
  public static void rows(int from, int to, int k, int n, float[] a, float[] b, float[] c) {
    for (int i = from; i < to; i++) {
      Arrays.fill(c, i * n, i * n + n, 0.0f);
      for (int p = 0; p < k; p++) {
        float aip = a[i * k + p];
        for (int j = 0; j < n; j++) {
          c[i * n + j] += aip * b[p * n + j];
        }
      }
    }
  }

  private interface RowBand {
    void run(int from, int to);
  }

  private void inBands(int m, RowBand band) {
    int bands = Math.min(threads, Math.max(1, m));
    if (bands == 1) {
      band.run(0, m);
      return;
    }
    try (ExecutorService pool = Executors.newFixedThreadPool(bands)) {
      List<Future<?>> parts = new ArrayList<>();
      for (int t = 0; t < bands; t++) {
        int from = (int) ((long) m * t / bands);
        int to = (int) ((long) m * (t + 1) / bands);
        parts.add(pool.submit(() -> band.run(from, to)));
      }
      for (Future<?> part : parts) {
        part.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while multiplying", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("a row band failed", e.getCause());
    }
  }
}
