package dev.wasmgrid.sim;

/**
 * The columns a neighbour sweep reads, as slots: for the fast engine, copies of a table's rows in
 * grid-cell order, so that the candidates of one grid row are adjacent in memory and a sweep reads
 * them in sequence instead of through an index; for the reference engine, the table's own arrays
 * (slot = row). Only what perception compares or sums is here.
 */
final class Neighbours {

  /**
   * Spare slots after the last one, so that a vector sweep can load whole vectors at any slot
   * (their contents are never used).
   */
  static final int PAD = 16;

  float[] x = new float[0];
  float[] y = new float[0];
  float[] vx = new float[0];
  float[] vy = new float[0];
  float[] size = new float[0];
  byte[] species = new byte[0];
  long[] id = new long[0];

  /** {@link #species} as floats (0 or 1), for vector sweeps; filled by {@link #gather} only. */
  float[] kinds = new float[0];

  /** Whether the arrays are a table's own (then {@link #gather} must not write into them). */
  private boolean wrapped;

  /** Slot {@code k} becomes a copy of row {@code order[k]} of {@code t}, for k in 0..n-1. */
  void gather(EntityTable t, int[] order, int n) {
    if (x.length < n + PAD || wrapped) {
      wrapped = false;
      int capacity = Math.max(n + PAD, x.length * 2);
      x = new float[capacity];
      y = new float[capacity];
      vx = new float[capacity];
      vy = new float[capacity];
      size = new float[capacity];
      species = new byte[capacity];
      id = new long[capacity];
      kinds = new float[capacity];
    }
    for (int k = 0; k < n; k++) {
      int i = order[k];
      x[k] = t.x[i];
      y[k] = t.y[i];
      vx[k] = t.vx[i];
      vy[k] = t.vy[i];
      size[k] = t.size[i];
      species[k] = t.species[i];
      id[k] = t.id[i];
      kinds[k] = t.species[i];
    }
  }

  /** Slots become the rows of {@code t} themselves (no copy; valid until {@code t} grows). */
  void wrap(EntityTable t) {
    wrapped = true;
    x = t.x;
    y = t.y;
    vx = t.vx;
    vy = t.vy;
    size = t.size;
    species = t.species;
    id = t.id;
    kinds = new float[0];
  }

  long bytes() {
    return (long) x.length * (6 * 4 + 1 + 8);
  }
}
