package dev.wasmgrid.llm;

/**
 * The arithmetic a forward pass spends its time in. The portable {@link ScalarCompute} runs
 * anywhere, the browser build included; {@code dev.wasmgrid.llm.jvm.VectorCompute} is the JVM's
 * fast path (Vector API, rows split over threads).
 */
public interface Compute extends AutoCloseable {

  /** {@code out[0..w.rows()) = w · x[0..w.cols())}. */
  void matvec(WeightMatrix w, float[] x, float[] out);

  /**
   * {@code outs[i] = w · xs[i]} for i in [0, n): the products of several vectors with one matrix,
   * each the same, bit for bit, as {@link #matvec} of that vector. An implementation may read the
   * matrix once for all of them.
   */
  default void matmul(WeightMatrix w, float[][] xs, float[][] outs, int n) {
    for (int i = 0; i < n; i++) {
      matvec(w, xs[i], outs[i]);
    }
  }

  /** {@code Σ a[aOff + i] * b[bOff + i]} for i in [0, n). */
  float dot(float[] a, int aOff, float[] b, int bOff, int n);

  /** {@code y[yOff + i] += a * x[xOff + i]} for i in [0, n). */
  void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n);

  /** Work on the indices [from, to) of a range. */
  @FunctionalInterface
  interface RangeTask {
    void run(int from, int to);
  }

  /**
   * Runs {@code task} over [0, n) in ranges, each index exactly once, on this compute's threads
   * where it has several; returns when all have run.
   */
  default void parallel(int n, RangeTask task) {
    task.run(0, n);
  }

  /** A short name for logs and benchmark output. */
  String name();

  /** Releases threads, if any. */
  @Override
  default void close() {}
}
