package dev.wasmgrid.sim.live;

import dev.wasmgrid.sim.EntityBudget;

/**
 * Bounds on live simulations, so that viewers cannot exhaust a coordinator.
 *
 * @param maxLive simulations alive at once
 * @param maxEntities initial entities of one simulation
 * @param maxPartitions partitions of one simulation
 * @param maxTicksPerSecond the fastest speed a simulation may be asked to run at
 */
public record SimLimits(int maxLive, int maxEntities, int maxPartitions, int maxTicksPerSecond) {

  /** The most initial entities of one simulation on a heap that holds them. */
  public static final int MAX_ENTITIES = 200_000;

  /** {@link #forHeap} of this JVM's max heap. */
  public static final SimLimits DEFAULTS = forHeap(Runtime.getRuntime().maxMemory());

  public SimLimits {
    if (maxLive < 1 || maxEntities < 1 || maxPartitions < 1 || maxTicksPerSecond < 1) {
      throw new IllegalArgumentException("every sim limit must be >= 1");
    }
  }

  /**
   * 4 live simulations of up to {@link #MAX_ENTITIES} entities, or what {@link
   * EntityBudget#maxEntities} allows on a heap of {@code maxHeapBytes} where that is fewer, 8
   * partitions, 1,000 ticks/s.
   */
  public static SimLimits forHeap(long maxHeapBytes) {
    int entities = Math.max(1, Math.min(MAX_ENTITIES, EntityBudget.maxEntities(maxHeapBytes)));
    return new SimLimits(4, entities, 8, 1000);
  }
}
