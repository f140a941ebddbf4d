package dev.wasmgrid.wasm;

import java.util.Random;

/**
 * An instance's random bytes (WASI {@code random_get}): seeded per module, and counting its draws
 * so that a snapshot restored on a fresh instance goes on with the very numbers the original would
 * have drawn next. Every draw of {@link Random} goes through {@link #next(int)}.
 */
final class GuestRandom extends Random {
  private static final long serialVersionUID = 1L;

  private final long seed;
  private long draws;

  GuestRandom(long seed) {
    super(seed);
    this.seed = seed;
  }

  @Override
  protected synchronized int next(int bits) {
    draws++;
    return super.next(bits);
  }

  /** How many draws were made since the seed. */
  synchronized long draws() {
    return draws;
  }

  /** Starts again from the seed and makes {@code count} draws: the state after them. */
  synchronized void replayTo(long count) {
    setSeed(seed);
    draws = 0;
    for (long i = 0; i < count; i++) {
      next(32);
    }
  }
}
