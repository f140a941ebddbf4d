package dev.wasmgrid.llm;

import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The scalar path, where each pass waits for a permit before its classifier product and then fails
 * while {@link #failing} is set: tests hold a pass still, or make one throw.
 */
final class HeldCompute implements Compute {
  private final ScalarCompute inner = new ScalarCompute();
  private final int vocabSize;
  private final Semaphore permits = new Semaphore(0);

  /** Whether the passes let through throw. */
  final AtomicBoolean failing = new AtomicBoolean();

  HeldCompute(int vocabSize) {
    this.vocabSize = vocabSize;
  }

  /** Lets {@code n} more passes reach their classifier. */
  void allow(int n) {
    permits.release(n);
  }

  /** Whether a pass waits for a permit. */
  boolean holding() {
    return permits.hasQueuedThreads();
  }

  @Override
  public void matmul(WeightMatrix w, float[][] xs, float[][] outs, int n) {
    if (outs[0].length == vocabSize) {
      permits.acquireUninterruptibly();
      if (failing.get()) {
        throw new IllegalStateException("injected failure");
      }
    }
    inner.matmul(w, xs, outs, n);
  }

  @Override
  public void matvec(WeightMatrix w, float[] x, float[] out) {
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
    return "held-scalar";
  }
}
