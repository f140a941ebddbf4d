package dev.wasmgrid.sim;

/**
 * One partition's message to another, decoded: entity rows and food timers.
 *
 * <p>A class rather than a record because its food columns are arrays, shared, not copied: a frame
 * is read once by the partition it was sent to.
 */
public final class SimFrame {

  private final int kind;
  private final long tick;
  private final EntityTable entities;
  private final int[] foodIndex;
  private final int[] foodTimer;

  SimFrame(int kind, long tick, EntityTable entities, int[] foodIndex, int[] foodTimer) {
    this.kind = kind;
    this.tick = tick;
    this.entities = entities;
    this.foodIndex = foodIndex;
    this.foodTimer = foodTimer;
  }

  /** {@link FrameCodec#MIGRATE} (rows change owner) or {@link FrameCodec#GHOST} (read-only). */
  public int kind() {
    return kind;
  }

  /** The tick the rows belong to. */
  public long tick() {
    return tick;
  }

  /** The entity rows. */
  public EntityTable entities() {
    return entities;
  }

  /** Food patch numbers. */
  public int[] foodIndex() {
    return foodIndex;
  }

  /** Their timers, index for index with {@link #foodIndex()}. */
  public int[] foodTimer() {
    return foodTimer;
  }
}
