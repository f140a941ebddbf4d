package dev.wasmgrid.matmul;

/**
 * The per-dtype half of {@link BlockedGemm}: packing into micro-panels and the register-blocked
 * micro-kernel. {@code T} is the primitive array type ({@code double[]} or {@code float[]}).
 *
 * <p>Packed layouts, both zero-padded to whole micro-panels so the micro-kernel never branches on
 * edges:
 *
 * <ul>
 *   <li>A block: consecutive micro-panels of {@link #mr()} rows; inside one, element (r, p) is at
 *       {@code p * mr + r}.
 *   <li>B block: consecutive micro-panels of {@link #nr()} columns; inside one, element (p, j) is
 *       at {@code p * nr + j}.
 * </ul>
 */
interface PanelKernel<T> {

  /** Rows of C one micro-kernel call produces. */
  int mr();

  /** Columns of C one micro-kernel call produces. */
  int nr();

  T newArray(int length);

  void fillZero(T array, int from, int to);

  /** Packs rows [row0, row0+rows) × columns [col0, col0+kc) of row-major A (leading dim lda). */
  void packA(T a, int lda, int row0, int rows, int col0, int kc, T dst);

  /** Packs rows [row0, row0+kc) × columns [col0, col0+cols) of row-major B (leading dim ldb). */
  void packB(T b, int ldb, int row0, int kc, int col0, int cols, T dst);

  /**
   * C tile (rows × cols, at most mr × nr, at {@code c[cOff]} with leading dim ldc) = (or +=, when
   * {@code accumulate}) the product of one packed A micro-panel and one packed B micro-panel.
   * {@code tile} is an mr × nr scratch area for edge tiles.
   */
  void multiplyTile(
      int kc,
      T aPanel,
      int aOff,
      T bPanel,
      int bOff,
      T c,
      int cOff,
      int ldc,
      int rows,
      int cols,
      boolean accumulate,
      T tile);
}
