package dev.wasmgrid.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * {@link FrameExchange} in memory: one slot per (sender, receiver) pair. Each slot is written by
 * exactly one partition and read by exactly one, on opposite sides of a phase barrier, so no lock
 * is needed (the barrier orders the accesses).
 */
public final class Mailboxes implements FrameExchange {

  private final byte[][][] slots;

  /** Mailboxes for {@code partitions} partitions. */
  public Mailboxes(int partitions) {
    slots = new byte[partitions][partitions][];
  }

  @Override
  public void send(int from, int to, byte[] frame) {
    if (slots[from][to] != null) {
      throw new IllegalStateException("partition " + from + " already sent to " + to);
    }
    slots[from][to] = frame;
  }

  @Override
  public List<byte[]> receive(int to) {
    List<byte[]> frames = new ArrayList<>();
    for (int from = 0; from < slots.length; from++) {
      if (slots[from][to] != null) {
        frames.add(slots[from][to]);
        slots[from][to] = null;
      }
    }
    return frames;
  }
}
