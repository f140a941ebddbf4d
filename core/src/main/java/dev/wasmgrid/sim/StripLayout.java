package dev.wasmgrid.sim;

import java.util.Arrays;

/**
 * Which partition owns which vertical strip of the world: partition {@code p} owns grid columns
 * {@code bounds[p] .. bounds[p + 1] - 1}, i.e. x in [bounds[p] × cell, bounds[p + 1] × cell).
 * Boundaries sit on grid columns so that moving one never splits a cell.
 */
public final class StripLayout {

  private final int[] bounds;
  private final float cell;

  private StripLayout(int[] bounds, float cell) {
    this.bounds = bounds;
    this.cell = cell;
  }

  /** Equal strips (the first ones one column wider when columns do not divide evenly). */
  public static StripLayout even(SimConfig config, int partitions) {
    checkPartitions(config, partitions);
    int columns = config.columns();
    int[] bounds = new int[partitions + 1];
    for (int p = 0; p <= partitions; p++) {
      bounds[p] = (int) ((long) columns * p / partitions);
    }
    return new StripLayout(bounds, WorldRules.CELL);
  }

  /**
   * A layout from explicit column boundaries.
   *
   * @throws IllegalArgumentException unless bounds start at 0, end at the column count, and every
   *     strip is at least the minimum width
   */
  public static StripLayout of(SimConfig config, int[] bounds) {
    int partitions = bounds.length - 1;
    checkPartitions(config, partitions);
    int min = SimConfig.minStripColumns();
    if (bounds[0] != 0 || bounds[partitions] != config.columns()) {
      throw new IllegalArgumentException(
          "bounds must run from 0 to " + config.columns() + ", got " + Arrays.toString(bounds));
    }
    for (int p = 0; p < partitions; p++) {
      if (bounds[p + 1] - bounds[p] < min) {
        throw new IllegalArgumentException(
            "every strip must be >= " + min + " columns wide, got " + Arrays.toString(bounds));
      }
    }
    return new StripLayout(bounds.clone(), WorldRules.CELL);
  }

  static void checkPartitions(SimConfig config, int partitions) {
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions must be >= 1, got " + partitions);
    }
    if (partitions > config.maxPartitions()) {
      throw new IllegalArgumentException(
          "partitions must be <= "
              + config.maxPartitions()
              + " for a world "
              + config.width()
              + " wide (each strip >= "
              + SimConfig.minStripColumns() * (int) WorldRules.CELL
              + " units, one ghost width), got "
              + partitions);
    }
  }

  /** Number of strips. */
  public int partitions() {
    return bounds.length - 1;
  }

  /** Column boundaries (a copy). */
  public int[] bounds() {
    return bounds.clone();
  }

  /** Left edge of strip {@code p}. */
  float left(int p) {
    return bounds[p] * cell;
  }

  /** Width of strip {@code p}. */
  float width(int p) {
    return (bounds[p + 1] - bounds[p]) * cell;
  }

  /** The partition owning x (x in [0, world width)). */
  int ownerOf(float x) {
    int column = (int) (x / cell);
    int p = Arrays.binarySearch(bounds, column);
    // An exact hit is the first column of strip p; otherwise -(insertion point) - 1.
    int owner = p >= 0 ? p : -p - 2;
    return Math.min(Math.max(owner, 0), partitions() - 1);
  }

  /**
   * {@link #ownerOf}, answered with one comparison when x lies in strip {@code likely} (the
   * partition asking about its own rows, nearly all of which stay).
   */
  int ownerOf(float x, int likely) {
    int column = (int) (x / cell);
    return column >= bounds[likely] && column < bounds[likely + 1] ? likely : ownerOf(x);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StripLayout other && Arrays.equals(bounds, other.bounds);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bounds);
  }

  @Override
  public String toString() {
    return "StripLayout" + Arrays.toString(bounds);
  }
}
