package dev.wasmgrid.web;

import dev.wasmgrid.matmul.Gemm;
import dev.wasmgrid.matmul.ReferenceGemm;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The reference kernel, but a product of {@link #HELD_ROWS} rows waits until {@link #release} (at
 * most two minutes), so that a test can act on a job while it surely runs, without a long product
 * loading the machine.
 */
final class HeldGemm implements Gemm {
  static final int HELD_ROWS = 97;

  private final Gemm kernel = new ReferenceGemm(1);
  private final CountDownLatch released = new CountDownLatch(1);

  /** Lets held products (and every later one) run. */
  void release() {
    released.countDown();
  }

  private void hold(int m) {
    if (m != HELD_ROWS) {
      return;
    }
    try {
      if (!released.await(2, TimeUnit.MINUTES)) {
        throw new IllegalStateException("the held product was never released");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while held", e);
    }
  }

  @Override
  public String name() {
    return "held-reference";
  }

  @Override
  public int threads() {
    return 1;
  }

  @Override
  public void multiply(int m, int k, int n, double[] a, double[] b, double[] c) {
    hold(m);
    kernel.multiply(m, k, n, a, b, c);
  }

  @Override
  public void multiply(int m, int k, int n, float[] a, float[] b, float[] c) {
    hold(m);
    kernel.multiply(m, k, n, a, b, c);
  }
}
