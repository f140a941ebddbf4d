package dev.wasmgrid.coordinator.sim.live;

/**
 * Bounds on live simulations, so that viewers cannot exhaust a coordinator.
 *
 * @param maxLive simulations alive at once
 * @param maxEntities initial entities of one simulation
 * @param maxPartitions partitions of one simulation
 * @param maxTicksPerSecond the fastest speed a simulation may be asked to run at
 */
public record SimLimits(int maxLive, int maxEntities, int maxPartitions, int maxTicksPerSecond) {

  /** 4 live simulations of up to 200,000 entities, 8 partitions, 1,000 ticks/s. */
  public static final SimLimits DEFAULTS = new SimLimits(4, 200_000, 8, 1000);

  public SimLimits {
    if (maxLive < 1 || maxEntities < 1 || maxPartitions < 1 || maxTicksPerSecond < 1) {
      throw new IllegalArgumentException("every sim limit must be >= 1");
    }
  }
}
