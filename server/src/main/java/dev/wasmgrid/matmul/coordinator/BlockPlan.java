package dev.wasmgrid.matmul.coordinator;

import java.util.ArrayList;
import java.util.List;

/**
 * How C = A·B (A m×k, B k×n) is cut into blocks for workers: a p×q grid of C tiles, tile (i, j)
 * needing A's row band i and B's column band j. Every block carries its whole k, so a tile is one
 * worker's complete answer and the coordinator only places tiles, never sums partial results.
 *
 * <p>The grid is chosen by bytes moved: A's bands travel q times in all, B's bands p times, and C
 * once, so the plan minimises q·m·k + p·k·n over the factorisations p·q of the block count. For
 * square matrices that is the squarest grid; a tall A favours more row bands, a wide B more column
 * bands. A tile is never made thinner than {@link #MIN_EDGE} rows or columns, where per-request
 * overhead would outweigh its compute.
 *
 * @param rowBands p, the number of bands of A's rows (and of C's)
 * @param colBands q, the number of bands of B's columns (and of C's)
 */
public record BlockPlan(int m, int k, int n, int rowBands, int colBands) {

  /** Thinnest tile edge worth a request of its own. */
  public static final int MIN_EDGE = 64;

  /** One tile of C: rows [row0, row1) and columns [col0, col1). */
  public record Block(int index, int row0, int row1, int col0, int col1) {
    public int rows() {
      return row1 - row0;
    }

    public int cols() {
      return col1 - col0;
    }
  }

  /** The plan for at most {@code blocks} tiles (fewer when the matrices are small). */
  public static BlockPlan of(int m, int k, int n, int blocks) {
    if (blocks < 1) {
      throw new IllegalArgumentException("blocks must be >= 1, got " + blocks);
    }
    int maxRows = Math.max(1, m / MIN_EDGE);
    int maxCols = Math.max(1, n / MIN_EDGE);
    int bestP = 1;
    int bestQ = 1;
    double bestBytes = Double.MAX_VALUE;
    int bestCount = 0;
    for (int p = 1; p <= Math.min(blocks, maxRows); p++) {
      int q = Math.min(blocks / p, maxCols);
      double bytes = (double) q * m * k + (double) p * k * n;
      // More tiles first (they balance load and overlap transfer with compute), then fewer bytes.
      if (p * q > bestCount || (p * q == bestCount && bytes < bestBytes)) {
        bestP = p;
        bestQ = q;
        bestBytes = bytes;
        bestCount = p * q;
      }
    }
    return new BlockPlan(m, k, n, bestP, bestQ);
  }

  /** The tiles, row-band major. */
  public List<Block> blocks() {
    List<Block> blocks = new ArrayList<>(rowBands * colBands);
    for (int i = 0; i < rowBands; i++) {
      for (int j = 0; j < colBands; j++) {
        blocks.add(
            new Block(
                blocks.size(),
                edge(m, rowBands, i),
                edge(m, rowBands, i + 1),
                edge(n, colBands, j),
                edge(n, colBands, j + 1)));
      }
    }
    return blocks;
  }

  /** Element bytes shipped to workers (A and B bands) and back (C), for an element size. */
  public long bytesMoved(int elementBytes) {
    return ((long) colBands * m * k + (long) rowBands * k * n + (long) m * n) * elementBytes;
  }

  private static int edge(int size, int parts, int i) {
    return (int) ((long) size * i / parts);
  }
}
