package dev.wasmgrid.sim;

/**
 * A uniform grid over the whole torus. Built by counting sort: {@link #start} and {@link #items}
 * list each cell's points contiguously. Rebuilt from scratch every tick (a full rebuild of 100k
 * points is two linear passes; nothing to keep consistent between ticks). A query visits only the
 * cells overlapping the square around a point's own radius, so a short-sighted entity scans fewer
 * cells than a far-sighted one.
 */
final class SpatialGrid {

  private static final float QUERY_MARGIN = 0.05f;

  final int columns;
  final int rows;
  private final float cell;

  /** Points of cell {@code c} are {@code items[start[c]] .. items[start[c + 1] - 1]}. */
  final int[] start;

  int[] items = new int[16];
  private final int[] query = new int[4];
  private int[] cellOf = new int[16];

  SpatialGrid(int columns, int rows, float cell) {
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
    int cells = columns * rows;
    java.util.Arrays.fill(start, 0);
    for (int i = 0; i < n; i++) {
      int c = row(y[i]) * columns + column(x[i]);
      cellOf[i] = c;
      start[c]++;
    }
    for (int c = 1; c < cells; c++) {
      start[c] += start[c - 1];
    }
    // start[c] is now the end of cell c. Filled from the last point back, each cell's slots count
    // down to its first, points in order within it, and no pass is needed to shift ends to starts.
    for (int i = n - 1; i >= 0; i--) {
      items[--start[cellOf[i]]] = i;
    }
    start[cells] = n;
  }

  /** Cell edge. */
  float cell() {
    return cell;
  }

  int column(float x) {
    int c = (int) (x / cell);
    return c >= columns ? columns - 1 : Math.max(c, 0);
  }

  int row(float y) {
    int r = (int) (y / cell);
    return r >= rows ? rows - 1 : Math.max(r, 0);
  }

  /**
   * Writes into {@code out} the runs of {@link #items} that hold the points of every cell
   * overlapping the square of half-side {@code radius} around (x, y): pairs (from, to), each cell
   * covered once even when the square wraps around a small world; returns the number of ints
   * written. Cells of one row are adjacent in {@code items}, so a row is one run (two where it
   * wraps around the seam): a query costs a loop per row, not per cell. {@code out} needs {@link
   * #maxRuns}({@code radius}) ints.
   */
  int runsAround(float x, float y, float radius, int[] out) {
    window(x, y, radius, query);
    return runs(query, out);
  }

  /**
   * The cells overlapping the square of half-side {@code radius} around (x, y), as {@code window}:
   * first column, column count, first row, row count (first ones wrapped into the grid, counts at
   * most the grid's). Another grid of the same shape can take the same window.
   */
  void window(float x, float y, float radius, int[] window) {
    // The margin covers float rounding between a wrapped position's cell and its unwrapped one.
    float r = radius + QUERY_MARGIN;
    int c0 = floor((x - r) / cell);
    int r0 = floor((y - r) / cell);
    window[0] = wrap(c0, columns);
    window[1] = Math.min(floor((x + r) / cell) - c0 + 1, columns);
    window[2] = wrap(r0, rows);
    window[3] = Math.min(floor((y + r) / cell) - r0 + 1, rows);
  }

  private int runs(int[] window, int[] out) {
    int c0 = window[0];
    int nc = window[1];
    int r0 = window[2];
    int nr = window[3];
    int firstRun = Math.min(nc, columns - c0);
    int secondRun = nc - firstRun;
    int n = 0;
    for (int a = 0; a < nr; a++) {
      int row = r0 + a;
      int base = (row >= rows ? row - rows : row) * columns;
      out[n++] = start[base + c0];
      out[n++] = start[base + c0 + firstRun];
      if (secondRun > 0) {
        out[n++] = start[base];
        out[n++] = start[base + secondRun];
      }
    }
    return n;
  }

  /** Math.floor for a float, without the round trip through double. */
  private static int floor(float v) {
    int i = (int) v;
    return v < i ? i - 1 : i;
  }

  /** {@code v} modulo {@code n} into [0, n); the common cases without a division. */
  private static int wrap(int v, int n) {
    if (v >= 0 && v < n) {
      return v;
    }
    if (v < 0 && v >= -n) {
      return v + n;
    }
    return Math.floorMod(v, n);
  }

  /** Room {@link #runsAround} needs for queries up to {@code radius}. */
  int maxRuns(float radius) {
    int side = (int) Math.ceil(2 * (radius + QUERY_MARGIN) / cell) + 1;
    return 4 * Math.min(side, rows);
  }

  long bytes() {
    return 4L * (start.length + items.length + cellOf.length);
  }
}
