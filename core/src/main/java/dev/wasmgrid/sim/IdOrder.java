package dev.wasmgrid.sim;

/** Row indices sorted by entity id, without boxing (a merge sort on int indices). */
final class IdOrder {

  private IdOrder() {}

  /** Indices 0..n-1 ordered by {@code ids[i]} (stable: equal keys keep their index order). */
  static int[] sorted(long[] ids, int n) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    int[] b = new int[n];
    for (int width = 1; width < n; width *= 2) {
      for (int lo = 0; lo < n; lo += 2 * width) {
        int mid = Math.min(lo + width, n);
        int hi = Math.min(lo + 2 * width, n);
        int i = lo;
        int j = mid;
        for (int k = lo; k < hi; k++) {
          if (i < mid && (j >= hi || ids[a[i]] <= ids[a[j]])) {
            b[k] = a[i++];
          } else {
            b[k] = a[j++];
          }
        }
      }
      int[] swap = a;
      a = b;
      b = swap;
    }
    return a;
  }
}
