package dev.wasmgrid.sim;

/**
 * Food patches: fixed positions drawn from the seed, and a regrowth timer each (0 = ready to eat).
 * Positions are the same in every copy; only the timers of patches a partition owns or sees as
 * ghosts are current in that copy.
 */
final class FoodField {

  final float[] x;
  final float[] y;
  final int[] timer;

  FoodField(SimConfig config) {
    int n = config.foods();
    x = new float[n];
    y = new float[n];
    timer = new int[n];
    for (int f = 0; f < n; f++) {
      x[f] = Rng.unit(config.seed(), f, -1, Rng.FOOD_X) * config.width();
      y[f] = Rng.unit(config.seed(), f, -1, Rng.FOOD_Y) * config.height();
    }
  }

  int count() {
    return x.length;
  }

  long bytes() {
    return 12L * x.length;
  }

  /**
   * Advances patch {@code f} by one tick: eaten patches start regrowing after a seeded delay, the
   * others count down towards ready.
   */
  static int nextTimer(long seed, int f, long tick, int timer, boolean eaten) {
    if (eaten) {
      return SimParams.REGROW_TICKS + Rng.below(seed, f, tick, Rng.REGROW, SimParams.REGROW_JITTER);
    }
    return timer > 0 ? timer - 1 : 0;
  }
}
