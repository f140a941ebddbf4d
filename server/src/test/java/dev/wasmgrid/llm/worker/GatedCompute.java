package dev.wasmgrid.llm.worker;

import dev.wasmgrid.llm.Compute;
import dev.wasmgrid.llm.ScalarCompute;
import dev.wasmgrid.llm.WeightMatrix;
import dev.wasmgrid.testing.Poll;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * The scalar path, where each forward pass waits for a permit before its last matrix product (the
 * classifier, recognised by its output length): tests hold a generation still, or let it run one
 * token at a time.
 */
public final class GatedCompute implements Compute {
  private final ScalarCompute inner = new ScalarCompute();
  private final int vocabSize;
  private final Semaphore permits = new Semaphore(0);
  private final AtomicInteger passes = new AtomicInteger();

  public GatedCompute(int vocabSize) {
    this.vocabSize = vocabSize;
  }

  /** Lets {@code n} more forward passes finish. */
  public void allow(int n) {
    permits.release(n);
  }

  /**
   * Lets forward passes through one at a time, each after the previous one's token has been dealt
   * with (the next pass waits again), until {@code done} holds; so a generation cannot race ahead
   * of what a test waits to see (such as a closed connection being noticed).
   *
   * @throws AssertionError when {@code done} does not hold after {@code maxPasses} passes
   */
  public void stepUntil(String what, int maxPasses, BooleanSupplier done) {
    for (int i = 0; i < maxPasses; i++) {
      if (done.getAsBoolean()) {
        return;
      }
      int before = passes();
      allow(1);
      Poll.until(
          "the next pass, or " + what,
          Duration.ofSeconds(30),
          () -> done.getAsBoolean() || (passes() > before && waiting()));
    }
    if (!done.getAsBoolean()) {
      throw new AssertionError("not " + what + " after " + maxPasses + " forward passes");
    }
  }

  /** Forward passes waiting or finished. */
  public int passes() {
    return passes.get();
  }

  /** Whether a forward pass is waiting for a permit. */
  public boolean waiting() {
    return permits.hasQueuedThreads();
  }

  @Override
  public void matvec(WeightMatrix w, float[] x, float[] out) {
    if (out.length == vocabSize) {
      passes.incrementAndGet();
      permits.acquireUninterruptibly();
    }
    inner.matvec(w, x, out);
  }

  @Override
  public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
    return inner.dot(a, aOff, b, bOff, n);
  }

  @Override
  public void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
    inner.axpy(a, x, xOff, y, yOff, n);
  }

  @Override
  public String name() {
    return "gated-scalar";
  }
}
