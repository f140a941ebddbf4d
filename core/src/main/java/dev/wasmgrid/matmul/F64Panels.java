package dev.wasmgrid.matmul;

import static dev.wasmgrid.matmul.F64MicroKernel.LANES;
import static dev.wasmgrid.matmul.F64MicroKernel.MR;
import static dev.wasmgrid.matmul.F64MicroKernel.NR;
import static dev.wasmgrid.matmul.F64MicroKernel.SPECIES;

import java.util.Arrays;
import jdk.incubator.vector.DoubleVector;

/** Packing and edge handling for f64; see {@link PanelKernel} for the layouts. */
final class F64Panels implements PanelKernel<double[]> {

  static final F64Panels INSTANCE = new F64Panels();

  private F64Panels() {}

  @Override
  public int mr() {
    return MR;
  }

  @Override
  public int nr() {
    return NR;
  }

  @Override
  public double[] newArray(int length) {
    return new double[length];
  }

  @Override
  public void fillZero(double[] array, int from, int to) {
    Arrays.fill(array, from, to, 0.0);
  }

  @Override
  public void packA(double[] a, int lda, int row0, int rows, int col0, int kc, double[] dst) {
    for (int ir = 0; ir < rows; ir += MR) {
      int base = ir * kc;
      int live = Math.min(MR, rows - ir);
      if (live == MR) {
        // Four sequential read streams, one sequential write stream.
        int s0 = (row0 + ir) * lda + col0;
        int s1 = s0 + lda;
        int s2 = s1 + lda;
        int s3 = s2 + lda;
        for (int p = 0; p < kc; p++) {
          int d = base + p * MR;
          dst[d] = a[s0 + p];
          dst[d + 1] = a[s1 + p];
          dst[d + 2] = a[s2 + p];
          dst[d + 3] = a[s3 + p];
        }
      } else {
        // Padding rows only reach the discarded part of an edge tile; zeros keep the buffer
        // deterministic instead of holding whatever the previous block left there.
        for (int r = 0; r < MR; r++) {
          int src = (row0 + ir + r) * lda + col0;
          for (int p = 0; p < kc; p++) {
            dst[base + p * MR + r] = r < live ? a[src + p] : 0.0;
          }
        }
      }
    }
  }

  @Override
  public void packB(double[] b, int ldb, int row0, int kc, int col0, int cols, double[] dst) {
    for (int jr = 0; jr < cols; jr += NR) {
      int base = jr * kc;
      int live = Math.min(NR, cols - jr);
      int src = row0 * ldb + col0 + jr;
      if (live == NR) {
        for (int p = 0; p < kc; p++, src += ldb) {
          int d = base + p * NR;
          DoubleVector.fromArray(SPECIES, b, src).intoArray(dst, d);
          DoubleVector.fromArray(SPECIES, b, src + LANES).intoArray(dst, d + LANES);
        }
      } else {
        for (int p = 0; p < kc; p++, src += ldb) {
          int d = base + p * NR;
          System.arraycopy(b, src, dst, d, live);
          Arrays.fill(dst, d + live, d + NR, 0.0);
        }
      }
    }
  }

  @Override
  public void multiplyTile(
      int kc,
      double[] aPanel,
      int aOff,
      double[] bPanel,
      int bOff,
      double[] c,
      int cOff,
      int ldc,
      int rows,
      int cols,
      boolean accumulate,
      double[] tile) {
    if (rows == MR && cols == NR) {
      F64MicroKernel.tile(kc, aPanel, aOff, bPanel, bOff, c, cOff, ldc, accumulate);
      return;
    }
    // Edge tile: compute the whole padded tile into scratch, then copy out only the live part.
    F64MicroKernel.tile(kc, aPanel, aOff, bPanel, bOff, tile, 0, NR, false);
    for (int r = 0; r < rows; r++) {
      int row = cOff + r * ldc;
      for (int j = 0; j < cols; j++) {
        double v = tile[r * NR + j];
        c[row + j] = accumulate ? c[row + j] + v : v;
      }
    }
  }
}
