package dev.wasmgrid.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for a condition by polling, bounded in time and in the number of checks. */
public final class Poll {
  private static final long PAUSE_MILLIS = 20;

  private Poll() {}

  /**
   * Returns once {@code condition} holds.
   *
   * @throws AssertionError naming {@code what} when it does not hold within {@code limit}
   */
  public static void until(String what, Duration limit, BooleanSupplier condition) {
    long deadline = System.nanoTime() + limit.toNanos();
    long checks = limit.toMillis() / PAUSE_MILLIS + 2;
    for (long i = 0; i < checks; i++) {
      if (condition.getAsBoolean()) {
        return;
      }
      if (System.nanoTime() - deadline > 0) {
        break;
      }
      pause();
    }
    throw new AssertionError("timed out after " + limit + " waiting until " + what);
  }

  /**
   * Checks that {@code condition} keeps holding for the whole of {@code period}.
   *
   * @throws AssertionError naming {@code what} at the first check where it does not
   */
  public static void holds(String what, Duration period, BooleanSupplier condition) {
    long end = System.nanoTime() + period.toNanos();
    long checks = period.toMillis() / PAUSE_MILLIS + 2;
    for (long i = 0; i < checks && System.nanoTime() - end < 0; i++) {
      if (!condition.getAsBoolean()) {
        throw new AssertionError("stopped holding after " + i + " checks: " + what);
      }
      pause();
    }
  }

  private static void pause() {
    try {
      Thread.sleep(PAUSE_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while polling", e);
    }
  }
}
