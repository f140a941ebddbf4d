package dev.wasmgrid.sim;

/**
 * One partition's step as {@link TickStepper} holds it: what {@link NeighbourSweep#perceiveOwned}
 * reads, and the per-row arrays it writes ({@link #newVx}, {@link #newVy}, {@link #crowd}, {@link
 * #bite} as a row, {@link #graze} as a patch; -1 for none), which {@link NeighbourSweep#liveOwned}
 * then reads with the conflicts' winners ({@link #killer} by prey row, {@link #eater} by patch).
 * {@link #slots} is how many of {@link #items} are in use (owned rows and ghosts); {@link #scratch}
 * the partition's working arrays. A class rather than a record: it hands over arrays to write, not
 * values.
 */
final class OwnedStep {
  final long seed;
  final long tick;
  final EntityTable table;
  final int owned;
  final int slots;
  final int[] items;
  final SpatialGrid grid;
  final SpatialGrid foodGrid;
  final Neighbours neighbours;
  final FoodField food;
  final Torus torus;
  final float[] newVx;
  final float[] newVy;
  final int[] crowd;
  final int[] bite;
  final int[] graze;
  final int[] killer;
  final int[] eater;
  final StepScratch scratch;

  OwnedStep(
      long seed,
      long tick,
      EntityTable table,
      int owned,
      int slots,
      int[] items,
      SpatialGrid grid,
      SpatialGrid foodGrid,
      Neighbours neighbours,
      FoodField food,
      Torus torus,
      float[] newVx,
      float[] newVy,
      int[] crowd,
      int[] bite,
      int[] graze,
      int[] killer,
      int[] eater,
      StepScratch scratch) {
    this.seed = seed;
    this.tick = tick;
    this.table = table;
    this.owned = owned;
    this.slots = slots;
    this.items = items;
    this.grid = grid;
    this.foodGrid = foodGrid;
    this.neighbours = neighbours;
    this.food = food;
    this.torus = torus;
    this.newVx = newVx;
    this.newVy = newVy;
    this.crowd = crowd;
    this.bite = bite;
    this.graze = graze;
    this.killer = killer;
    this.eater = eater;
    this.scratch = scratch;
  }
}
