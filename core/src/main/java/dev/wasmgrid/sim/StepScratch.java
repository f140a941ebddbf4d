package dev.wasmgrid.sim;

/**
 * Reusable per-tick working arrays of one partition, grown on demand, so a tick allocates nothing
 * in the steady state.
 */
final class StepScratch {

  private final int[][] ints = new int[9][];
  private final float[][] floats = new float[2][];
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
