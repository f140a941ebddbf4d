package dev.wasmgrid.sim;

/**
 * Moves strip boundaries so that each partition gets about the same measured cost (entities per
 * grid column). Only which partition computes an entity changes, never what is computed, so the
 * state hash does not depend on the boundaries.
 */
final class LoadBalancer {

  private LoadBalancer() {}

  /**
   * Boundaries that cut the cumulative cost into equal shares, each strip at least {@code
   * minColumns} wide.
   */
  static int[] balance(long[] columnCost, int partitions, int minColumns) {
    int columns = columnCost.length;
    long total = 0;
    for (long c : columnCost) {
      total += c;
    }
    int[] bounds = new int[partitions + 1];
    bounds[partitions] = columns;
    long running = 0;
    int column = 0;
    for (int p = 1; p < partitions; p++) {
      int lowest = bounds[p - 1] + minColumns;
      int highest = columns - (partitions - p) * minColumns;
      long target = total * p / partitions;
      while (column < highest && (column < lowest || running + columnCost[column] <= target)) {
        running += columnCost[column];
        column++;
      }
      bounds[p] = column;
    }
    return bounds;
  }
}
