package dev.wasmgrid.sim;

/**
 * Reusable per-tick working arrays of one partition, grown on demand, so a tick allocates nothing
 * in the steady state. Int arrays 0-4 and {@link #LEAVERS} serve the migrate and ghost phases
 * ({@link SimPartition}), 5-8 and float arrays 0-1 the step ({@link TickStepper}), the {@code
 * READY} ones {@link NativeNeighbourSweep}.
 */
final class StepScratch {

  /** Int and float arrays of the native sweep's list of ready food. */
  static final int READY_START = 9;

  static final int READY = 10;
  static final int READY_BEFORE = 11;

  /** Int array of the rows leaving a partition. */
  static final int LEAVERS = 12;

  static final int READY_X = 2;
  static final int READY_Y = 3;

  private final int[][] ints = new int[13][];
  private final float[][] floats = new float[4][];
  private boolean[] keep = new boolean[0];

  /** Int array number {@code slot} with at least {@code n} elements (contents undefined). */
  int[] ints(int slot, int n) {
    int[] a = ints[slot];
    if (a == null || a.length < n) {
      a = new int[Math.max(16, Math.max(n, a == null ? 0 : a.length * 2))];
      ints[slot] = a;
    }
    return a;
  }

  /** Float array number {@code slot} with at least {@code n} elements (contents undefined). */
  float[] floats(int slot, int n) {
    float[] a = floats[slot];
    if (a == null || a.length < n) {
      a = new float[Math.max(16, Math.max(n, a == null ? 0 : a.length * 2))];
      floats[slot] = a;
    }
    return a;
  }

  boolean[] keep(int n) {
    if (keep.length < n) {
      keep = new boolean[Math.max(n, keep.length * 2)];
    }
    return keep;
  }

  long bytes() {
    long b = keep.length;
    for (int[] a : ints) {
      b += a == null ? 0 : 4L * a.length;
    }
    for (float[] a : floats) {
      b += a == null ? 0 : 4L * a.length;
    }
    return b;
  }
}
