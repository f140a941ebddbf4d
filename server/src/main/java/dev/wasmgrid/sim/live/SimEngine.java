package dev.wasmgrid.sim.live;

import dev.wasmgrid.sim.EntityTable;
import java.util.List;

/**
 * A live simulation's stepping engine, whichever placement runs it. Not thread-safe: its {@link
 * LiveSim} calls it from one loop thread only.
 */
interface SimEngine extends AutoCloseable {

  /**
   * One partition as the viewer shows it.
   *
   * @param left the left edge of its strip, as a fraction of the world's width
   */
  record PartitionStatus(String host, int owned, long tickNanos, int status, double left) {

    /** Left edges of the strips of column {@code bounds} (0 .. the world's column count). */
    static double left(int[] bounds, int p) {
      return (double) bounds[p] / bounds[bounds.length - 1];
    }

    /** Running on a thread of the coordinator. */
    static final int THREAD = 0;

    /** Running on a worker. */
    static final int WORKER = 1;

    /** Its state could not be read for this frame. */
    static final int UNREACHABLE = 2;
  }

  /** Advances one tick. */
  void step();

  /** Ticks stepped. */
  long tick();

  /** {@link dev.wasmgrid.sim.StateHash} of the world now. */
  long stateHash();

  /**
   * What a frame shows: every entity now (a copy) and each partition, by index, with the time it
   * took in the last tick.
   */
  record View(EntityTable entities, List<PartitionStatus> partitions) {}

  /** The world now, between ticks. */
  View view();

  /** Host failures survived. */
  int recoveries();

  /** Makes every food patch ready to eat now, between ticks. */
  void regrowFood();

  @Override
  void close();
}
