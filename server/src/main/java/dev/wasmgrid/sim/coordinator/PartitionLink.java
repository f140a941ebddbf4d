package dev.wasmgrid.sim.coordinator;

import java.io.IOException;
import java.util.List;

/**
 * One partition as the driver sees it, wherever it runs: the three phases of a tick, its state, its
 * column costs and the one change made between ticks (food). An {@link IOException} means its host
 * is gone (refused, reset, silent past the timeout); any other failure is a bug or a refusal, and
 * is not retried.
 */
public interface PartitionLink {

  /** Phase 1 of {@code tick}: the migration frames, one per partition ({@code null} for itself). */
  byte[][] migrate(long tick, int[] bounds) throws IOException;

  /** Phase 2: adopts {@code migrants}, returns the ghost frames, one per partition. */
  byte[][] ghosts(long tick, List<byte[]> migrants) throws IOException;

  /** Phase 3: takes the ghosts and steps. */
  void step(long tick, List<byte[]> ghosts) throws IOException;

  /** Makes its food patches ready to eat now (the viewer's "add food"), between ticks. */
  void regrowFood(long tick) throws IOException;

  /** Owned entities per grid column, between ticks. */
  long[] costs() throws IOException;

  /** Its checkpoint frame, between ticks. */
  byte[] state() throws IOException;

  /** The host it runs on. */
  SimHost host();

  /** Drops the partition on its host, as far as it can be reached; never throws. */
  void release();
}
