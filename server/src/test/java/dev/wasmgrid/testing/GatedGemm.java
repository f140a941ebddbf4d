package dev.wasmgrid.testing;

import dev.wasmgrid.matmul.Gemm;
import dev.wasmgrid.matmul.ReferenceGemm;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A correct kernel ({@link ReferenceGemm}) that holds every product until the test opens the gate:
 * a worker that is up but cannot finish, for as long as a test needs.
 */
public final class GatedGemm implements Gemm {
  private final CountDownLatch gate = new CountDownLatch(1);
  private final AtomicInteger entered = new AtomicInteger();
  private final Gemm inner = new ReferenceGemm(1);

  /** Lets every held and future product through. */
  public void open() {
    gate.countDown();
  }

  /** How many products have reached the kernel so far. */
  public int entered() {
    return entered.get();
  }

  @Override
  public String name() {
    return "gated";
  }

  @Override
  public int threads() {
    return 1;
  }

  @Override
  public void multiply(int m, int k, int n, double[] a, double[] b, double[] c) {
    await();
    inner.multiply(m, k, n, a, b, c);
  }

  @Override
  public void multiply(int m, int k, int n, float[] a, float[] b, float[] c) {
    await();
    inner.multiply(m, k, n, a, b, c);
  }

  private void await() {
    entered.incrementAndGet();
    try {
      gate.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
