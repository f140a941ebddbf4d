package dev.wasmgrid.matmul;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The f32 micro-kernel: a 4-row × 2-vector tile of C kept in eight accumulator registers. Same
 * shape and constraints as {@link F64MicroKernel}.
 */
final class F32MicroKernel {

  static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  static final int LANES = SPECIES.length();
  static final int MR = 4;
  static final int NR = 2 * LANES;

  private F32MicroKernel() {}

  /**
   * Full tile: C[0..4) × [0..NR) at {@code c[cOff]} (leading dim ldc) = or += A panel · B panel.
   */
  static void tile(
      int kc, float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int ldc, boolean add) {
    FloatVector c00 = FloatVector.zero(SPECIES);
    FloatVector c01 = FloatVector.zero(SPECIES);
    FloatVector c10 = FloatVector.zero(SPECIES);
    FloatVector c11 = FloatVector.zero(SPECIES);
    FloatVector c20 = FloatVector.zero(SPECIES);
    FloatVector c21 = FloatVector.zero(SPECIES);
    FloatVector c30 = FloatVector.zero(SPECIES);
    FloatVector c31 = FloatVector.zero(SPECIES);
    int ai = aOff;
    int bi = bOff;
    for (int p = 0; p < kc; p++) {
      FloatVector b0 = FloatVector.fromArray(SPECIES, b, bi);
      FloatVector b1 = FloatVector.fromArray(SPECIES, b, bi + LANES);
      FloatVector av = FloatVector.broadcast(SPECIES, a[ai]);
      c00 = av.fma(b0, c00);
      c01 = av.fma(b1, c01);
      av = FloatVector.broadcast(SPECIES, a[ai + 1]);
      c10 = av.fma(b0, c10);
      c11 = av.fma(b1, c11);
      av = FloatVector.broadcast(SPECIES, a[ai + 2]);
      c20 = av.fma(b0, c20);
      c21 = av.fma(b1, c21);
      av = FloatVector.broadcast(SPECIES, a[ai + 3]);
      c30 = av.fma(b0, c30);
      c31 = av.fma(b1, c31);
      ai += MR;
      bi += NR;
    }
    store(c00, c01, c, cOff, add);
    store(c10, c11, c, cOff + ldc, add);
    store(c20, c21, c, cOff + 2 * ldc, add);
    store(c30, c31, c, cOff + 3 * ldc, add);
  }

  private static void store(FloatVector v0, FloatVector v1, float[] c, int off, boolean add) {
    if (add) {
      v0 = v0.add(FloatVector.fromArray(SPECIES, c, off));
      v1 = v1.add(FloatVector.fromArray(SPECIES, c, off + LANES));
    }
    v0.intoArray(c, off);
    v1.intoArray(c, off + LANES);
  }
}
