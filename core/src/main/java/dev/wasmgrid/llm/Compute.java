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

  /**
   * {@code outs[m][i] = ws[m] · xs[i]} for every matrix m and i in [0, n): several matrices of the
   * same width times the same vectors (attention's q, k and v; the feed-forward's gate and up),
   * each the same, bit for bit, as its {@link #matmul}. An implementation may prepare the vectors
   * once and run all the products as one piece of work.
   */
  default void matmuls(WeightMatrix[] ws, float[][] xs, float[][][] outs, int n) {
    for (int m = 0; m < ws.length; m++) {
      matmul(ws[m], xs, outs[m], n);
    }
  }

  /**
   * {@link #matmuls}, then {@code after} over [0, units) in ranges, each unit exactly once, once
   * the range's rows of every product are done: each matrix's rows are {@code units} equal groups,
   * unit u its rows [u · rows / units, (u + 1) · rows / units) (the feed-forward's gate and up unit
   * by unit, then SwiGLU; attention's q, k and v head by head, then the heads' positions and
   * attention). An implementation may run each range's {@code after} on the thread that computed
   * its rows, so that nothing waits for the other threads' rows and the values stay in that
   * thread's caches.
   *
   * @throws IllegalArgumentException where a matrix's rows are not a multiple of {@code units}
   */
  default void matmulsThen(
      WeightMatrix[] ws, float[][] xs, float[][][] outs, int n, int units, RangeTask after) {
    checkUnits(ws, units);
    matmuls(ws, xs, outs, n);
    parallel(units, after);
  }

  /**
   * Checks that each matrix's rows split into {@code units} equal groups ({@link #matmulsThen}).
   *
   * @throws IllegalArgumentException where they do not
   */
  static void checkUnits(WeightMatrix[] ws, int units) {
    for (WeightMatrix w : ws) {
      if (units < 1 || w.rows() % units != 0) {
        throw new IllegalArgumentException(
            "a matrix of " + w.rows() + " rows does not split into " + units + " units");
      }
    }
  }

  /** {@code Σ a[aOff + i] * b[bOff + i]} for i in [0, n). */
  float dot(float[] a, int aOff, float[] b, int bOff, int n);

  /** {@code y[yOff + i] += a * x[xOff + i]} for i in [0, n). */
  void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n);

  /**
   * {@code out[t] = dot(a, aOff, b, bOff + t * stride, n)} for t in [0, count): a query against
   * {@code count} keys, each the same, bit for bit, as its {@link #dot}. An implementation may take
   * several keys at once.
   */
  default void dots(
      float[] a, int aOff, float[] b, int bOff, int stride, int n, float[] out, int count) {
    for (int t = 0; t < count; t++) {
      out[t] = dot(a, aOff, b, bOff + t * stride, n);
    }
  }

  /**
   * {@link #axpy} of {@code a[t]} and {@code x[xOff + t * stride ..]} into {@code y} for t = 0, 1,
   * ..., {@code count - 1} in turn: the weighted sum of {@code count} values, each element of
   * {@code y} the same, bit for bit, as after those axpys. An implementation may keep {@code y} in
   * registers across several rows.
   */
  default void axpys(
      float[] a, int count, float[] x, int xOff, int stride, float[] y, int yOff, int n) {
    for (int t = 0; t < count; t++) {
      axpy(a[t], x, xOff + t * stride, y, yOff, n);
    }
  }

  /**
   * {@code gate[i] = silu(gate[i]) · up[i]} for i in [from, to), silu(g) = g / (1 + e^−g): SwiGLU's
   * hidden units. An implementation may compute e^x its own way, but each value's result must
   * depend on its inputs alone, not on the range it came in.
   */
  default void swiglu(float[] gate, float[] up, int from, int to) {
    for (int i = from; i < to; i++) {
      float g = gate[i];
      gate[i] = g / (1f + (float) Math.exp(-g)) * up[i];
    }
  }

  /**
   * Softmax of {@code v[0..n)} in place: attention's scores. An implementation may compute e^x its
   * own way, but the result must depend on v and n alone.
   */
  default void softmax(float[] v, int n) {
    Transformer.softmax(v, n, this);
  }

  /**
   * The sampler's softmax before its division, as llama2.c takes it: max the largest of {@code
   * v[0..n)} (n >= 1) by Math.max, {@code v[i] = (float) Math.exp(v[i] - max)}, and returns their
   * float sum added in order from v[0]. These must be exactly those floats (a seed draws llama2.c's
   * tokens on every engine): an implementation may compute them its own way only where it gives the
   * same floats, bit for bit.
   */
  default float expsSum(float[] v, int n) {
    float max = v[0];
    for (int i = 1; i < n; i++) {
      max = Math.max(max, v[i]);
    }
    for (int i = 0; i < n; i++) {
      v[i] = (float) Math.exp(v[i] - max);
    }
    float sum = 0;
    for (int i = 0; i < n; i++) {
      sum += v[i];
    }
    return sum;
  }

  /**
   * Index of the largest of {@code v[0..n)}, the first one on ties ({@code -0.0} and {@code 0.0}
   * tie), a NaN never the largest unless it is {@code v[0]}: greedy decoding's choice, exactly
   * {@link Sampler#argmax(float[])}'s.
   */
  default int argmax(float[] v, int n) {
    return Sampler.argmax(v, n);
  }

  /** Work on the indices [from, to) of a range. */
  @FunctionalInterface
  interface RangeTask {
    void run(int from, int to);
  }

  /**
   * Readies {@code w} for products ahead of the first: what this compute would make at the first
   * (the JVM's native kernels: an interleaved copy), made now. Nothing by default.
   */
  default void prepare(WeightMatrix w) {}

  /**
   * Runs {@code task} over [0, n) in ranges, each index exactly once, on this compute's threads
   * where it has several; returns when all have run.
   */
  default void parallel(int n, RangeTask task) {
    task.run(0, n);
  }

  /**
   * Runs {@code body}, one forward pass over {@code entries} sequences whose products and ranges
   * all come to this compute. One with several threads may choose how many the pass uses.
   */
  default void pass(int entries, Runnable body) {
    body.run();
  }

  /**
   * Where a new KV cache of {@code config}'s model keeps its keys and values, and attends over
   * them: a store of this compute's, or null (the default) for float arrays attended by {@link
   * #dots}, {@link #softmax} and {@link #axpys}.
   */
  default KvStore kvStore(LlamaConfig config) {
    return null;
  }

  /** A short name for logs and benchmark output. */
  String name();

  /** Releases threads, if any. */
  @Override
  default void close() {}
}
