package dev.wasmgrid.wasm.recycle;

import java.time.Duration;

/**
 * The watermark and the pause after failed preparations (seed 002 #8): each failure raises the
 * watermark by 0.05, up to {@link RecyclingPolicy#MAX_WATERMARK}, and doubles the pause before the
 * next try, up to a minute; a swap resets both. Thread-safe.
 */
final class Backoff {
  private static final Duration MAX_PAUSE = Duration.ofMinutes(1);

  private final RecyclingPolicy policy;
  private double watermark;
  private long notBeforeNanos;
  private int failuresInARow;

  Backoff(RecyclingPolicy policy) {
    this.policy = policy;
    this.watermark = policy.watermark();
  }

  /** The fraction of the memory limit that starts a preparation now. */
  synchronized double watermark() {
    return watermark;
  }

  /** Whether a preparation may start now, unless forced. */
  synchronized boolean ready() {
    return System.nanoTime() >= notBeforeNanos;
  }

  synchronized void failed() {
    failuresInARow++;
    watermark =
        Math.min(watermark + 0.05, Math.max(policy.watermark(), RecyclingPolicy.MAX_WATERMARK));
    Duration pause = policy.backoff().multipliedBy(1L << Math.min(failuresInARow - 1, 16));
    notBeforeNanos =
        System.nanoTime() + (pause.compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : pause).toNanos();
  }

  synchronized void swapped() {
    failuresInARow = 0;
    watermark = policy.watermark();
    notBeforeNanos = 0;
  }
}
