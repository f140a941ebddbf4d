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
    float[] drawnX = new float[n];
    float[] drawnY = new float[n];
    long[] key = new long[n];
    int columns = config.columns();
    for (int f = 0; f < n; f++) {
      drawnX[f] = Rng.unit(config.seed(), f, -1, Rng.FOOD_X) * config.width();
      drawnY[f] = Rng.unit(config.seed(), f, -1, Rng.FOOD_Y) * config.height();
      long cell =
          (long) (int) (drawnY[f] / WorldRules.CELL) * columns
              + (int) (drawnX[f] / WorldRules.CELL);
      key[f] = cell << 32 | f;
    }
    // Patches are numbered in grid-cell order, so a neighbourhood's patches sit together in memory
    // (a query reads them in sequence instead of missing the cache on every one).
    int[] order = IdOrder.sorted(key, n);
    x = new float[n];
    y = new float[n];
    timer = new int[n];
    for (int f = 0; f < n; f++) {
      x[f] = drawnX[order[f]];
      y[f] = drawnY[order[f]];
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
      return WorldRules.REGROW_TICKS
          + Rng.below(seed, f, tick, Rng.REGROW, WorldRules.REGROW_JITTER);
    }
    return timer > 0 ? timer - 1 : 0;
  }
}
