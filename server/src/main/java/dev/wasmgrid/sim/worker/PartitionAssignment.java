package dev.wasmgrid.sim.worker;

import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.sim.SimConfig;
import dev.wasmgrid.sim.StripLayout;

/**
 * What a worker needs to create a partition: the world, which strip, and the strips now. In a
 * create request's {@link PartitionMessage} it is the values {@code index, entities, seed, width,
 * height, foods, clustered (0/1), bounds...}.
 *
 * @param config the world
 * @param index the strip the partition owns
 * @param layout the strips when it is created
 */
public record PartitionAssignment(SimConfig config, int index, StripLayout layout) {

  private static final int FIXED = 7;

  /** The strips' column boundaries. */
  public int[] bounds() {
    return layout.bounds();
  }

  /** The bundle values of this spec. */
  public long[] toValues() {
    int[] bounds = layout.bounds();
    long[] v = new long[FIXED + bounds.length];
    v[0] = index;
    v[1] = config.entities();
    v[2] = config.seed();
    v[3] = config.width();
    v[4] = config.height();
    v[5] = config.foods();
    v[6] = config.clustered() ? 1 : 0;
    for (int i = 0; i < bounds.length; i++) {
      v[FIXED + i] = bounds[i];
    }
    return v;
  }

  /**
   * Reads a spec from bundle values.
   *
   * @throws Failure 400 {@code invalid_config} naming the bad value
   */
  public static PartitionAssignment fromValues(long[] v) {
    if (v.length < FIXED + 2) {
      throw invalid(
          "a create bundle has the values index, entities, seed, width, height, foods, clustered,"
              + " bounds... (at least 9), got "
              + v.length);
    }
    try {
      SimConfig config =
          new SimConfig(
              toInt(v[1], "entities"),
              v[2],
              toInt(v[3], "width"),
              toInt(v[4], "height"),
              toInt(v[5], "foods"),
              v[6] != 0);
      int[] bounds = new int[v.length - FIXED];
      for (int i = 0; i < bounds.length; i++) {
        bounds[i] = toInt(v[FIXED + i], "bounds");
      }
      return new PartitionAssignment(config, toInt(v[0], "index"), StripLayout.of(config, bounds));
    } catch (IllegalArgumentException e) {
      throw invalid(e.getMessage());
    }
  }

  private static int toInt(long value, String field) {
    if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(field + " must fit 32 bits, got " + value);
    }
    return (int) value;
  }

  private static Failure invalid(String message) {
    return Failure.invalid("invalid_config", "", message);
  }
}
