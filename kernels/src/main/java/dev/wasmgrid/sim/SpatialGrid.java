package dev.wasmgrid.sim;

/**
 * A uniform grid over the whole torus with cells at least one view radius wide, so the 3 × 3 cells
 * around a point hold everything it can see. Built by counting sort: {@link #start} and {@link
 * #items} list each cell's points contiguously. Rebuilt from scratch every tick (a full rebuild of
 * 100k points is two linear passes; nothing to keep consistent between ticks).
 */
final class SpatialGrid {

  final int columns;
  final int rows;
  private final float cell;

  /** Points of cell {@code c} are {@code items[start[c]] .. items[start[c + 1] - 1]}. */
  final int[] start;

  int[] items = new int[16];
  private int[] cellOf = new int[16];

  SpatialGrid(int columns, int rows, float cell) {
    if (columns < 3 || rows < 3) {
      throw new IllegalArgumentException(
          "a grid needs at least 3 x 3 cells, got " + columns + " x " + rows);
    }
    this.columns = columns;
    this.rows = rows;
    this.cell = cell;
    this.start = new int[columns * rows + 1];
  }

  /** Sorts points 0..n-1 into their cells. */
  void build(float[] x, float[] y, int n) {
    if (items.length < n) {
      items = new int[Math.max(n, items.length * 2)];
      cellOf = new int[items.length];
    }
    int[] counts = start;
    java.util.Arrays.fill(counts, 0);
    for (int i = 0; i < n; i++) {
      int c = row(y[i]) * columns + column(x[i]);
      cellOf[i] = c;
      counts[c + 1]++;
    }
    for (int c = 0; c < columns * rows; c++) {
      counts[c + 1] += counts[c];
    }
    // counts[c] is now the first slot of cell c; fill then shift back.
    for (int i = 0; i < n; i++) {
      items[start[cellOf[i]]++] = i;
    }
    for (int c = columns * rows; c > 0; c--) {
      start[c] = start[c - 1];
    }
    start[0] = 0;
  }

  int column(float x) {
    int c = (int) (x / cell);
    return c >= columns ? columns - 1 : Math.max(c, 0);
  }

  int row(float y) {
    int r = (int) (y / cell);
    return r >= rows ? rows - 1 : Math.max(r, 0);
  }

  /** The cell {@code dc} columns and {@code dr} rows from (column, row), around the torus. */
  int neighbour(int column, int row, int dc, int dr) {
    int c = column + dc;
    c = c < 0 ? c + columns : c >= columns ? c - columns : c;
    int r = row + dr;
    r = r < 0 ? r + rows : r >= rows ? r - rows : r;
    return r * columns + c;
  }

  long bytes() {
    return 4L * (start.length + items.length + cellOf.length);
  }
}
