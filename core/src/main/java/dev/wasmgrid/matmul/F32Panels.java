package dev.wasmgrid.matmul;

import static dev.wasmgrid.matmul.F32MicroKernel.LANES;
import static dev.wasmgrid.matmul.F32MicroKernel.MR;
import static dev.wasmgrid.matmul.F32MicroKernel.NR;
import static dev.wasmgrid.matmul.F32MicroKernel.SPECIES;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/** Packing and edge handling for f32; see {@link PanelKernel} for the layouts. */
final class F32Panels implements PanelKernel<float[]> {

  static final F32Panels INSTANCE = new F32Panels();

  private F32Panels() {}

  @Override
  public int mr() {
    return MR;
  }

  @Override
  public int nr() {
    return NR;
  }

  @Override
  public float[] newArray(int length) {
    return new float[length];
  }

  @Override
  public void fillZero(float[] array, int from, int to) {
    Arrays.fill(array, from, to, 0.0f);
  }

  @Override
  public void packA(float[] a, int lda, int row0, int rows, int col0, int kc, float[] dst) {
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
            dst[base + p * MR + r] = r < live ? a[src + p] : 0.0f;
          }
        }
      }
    }
  }

  @Override
  public void packB(float[] b, int ldb, int row0, int kc, int col0, int cols, float[] dst) {
    for (int jr = 0; jr < cols; jr += NR) {
      int base = jr * kc;
      int live = Math.min(NR, cols - jr);
      int src = row0 * ldb + col0 + jr;
      if (live == NR) {
        for (int p = 0; p < kc; p++, src += ldb) {
          int d = base + p * NR;
          FloatVector.fromArray(SPECIES, b, src).intoArray(dst, d);
          FloatVector.fromArray(SPECIES, b, src + LANES).intoArray(dst, d + LANES);
        }
      } else {
        for (int p = 0; p < kc; p++, src += ldb) {
          int d = base + p * NR;
          System.arraycopy(b, src, dst, d, live);
          Arrays.fill(dst, d + live, d + NR, 0.0f);
        }
      }
    }
  }

  @Override
  public void multiplyTile(
      int kc,
      float[] aPanel,
      int aOff,
      float[] bPanel,
      int bOff,
      float[] c,
      int cOff,
      int ldc,
      int rows,
      int cols,
      boolean accumulate,
      float[] tile) {
    if (rows == MR && cols == NR) {
      F32MicroKernel.tile(kc, aPanel, aOff, bPanel, bOff, c, cOff, ldc, accumulate);
      return;
    }
    // Edge tile: compute the whole padded tile into scratch, then copy out only the live part.
    F32MicroKernel.tile(kc, aPanel, aOff, bPanel, bOff, tile, 0, NR, false);
    for (int r = 0; r < rows; r++) {
      int row = cOff + r * ldc;
      for (int j = 0; j < cols; j++) {
        float v = tile[r * NR + j];
        c[row + j] = accumulate ? c[row + j] + v : v;
      }
    }
  }
}
