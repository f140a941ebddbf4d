package dev.wasmgrid.sim;

/**
 * How many entities one simulation may have on a JVM heap, so that a server refuses a world it
 * cannot hold before allocating it, instead of running out of memory while filling its tables.
 */
public final class EntityBudget {

  /**
   * Entity tables one partition holds at its peak, each of up to all the world's rows: seeding
   * builds the whole world's table, and the partition's current and next tables grow by doubling
   * (up to twice the rows, the old arrays alive during the copy).
   */
  private static final int PEAK_TABLES = 6;

  /** Heap bytes budgeted per entity of the world. */
  public static final long BYTES_PER_ENTITY = (long) PEAK_TABLES * EntityTable.ROW_BYTES;

  /** One simulation's tables may take at most this fraction (1/n) of the max heap. */
  public static final int HEAP_SHARE = 4;

  private EntityBudget() {}

  /**
   * The most entities a world may have on a heap of {@code maxHeapBytes}: a quarter of it over
   * {@link #BYTES_PER_ENTITY}, never above {@link SimConfig#MAX_ENTITIES}.
   */
  public static int maxEntities(long maxHeapBytes) {
    return (int)
        Math.min(SimConfig.MAX_ENTITIES, Math.max(0, maxHeapBytes) / HEAP_SHARE / BYTES_PER_ENTITY);
  }

  /** {@link #maxEntities(long)} of this JVM's max heap. */
  public static int ofThisJvm() {
    return maxEntities(Runtime.getRuntime().maxMemory());
  }

  /** Why a world is limited, for an error message. */
  public static String reason() {
    return "one partition seeds the whole world and its tables take about "
        + BYTES_PER_ENTITY
        + " bytes per entity, at most 1/"
        + HEAP_SHARE
        + " of this server's max heap ("
        + Runtime.getRuntime().maxMemory() / (1024 * 1024)
        + " MiB)";
  }
}
