package dev.wasmgrid.matmul;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The f64 micro-kernel: a 4-row × 2-vector tile of C kept in eight accumulator registers.
 *
 * <p>Every vector lives in a local variable on purpose: C2 only keeps vectors in registers when it
 * can scalar-replace them, and a bigger tile (8 × 2) or an array of vectors made it spill and run
 * ~7x slower.
 */
final class F64MicroKernel {

  static final VectorSpecies<Double> SPECIES = DoubleVector.SPECIES_PREFERRED;
  static final int LANES = SPECIES.length();
  static final int MR = 4;
  static final int NR = 2 * LANES;

  private F64MicroKernel() {}

  /**
   * Full tile: C[0..4) × [0..NR) at {@code c[cOff]} (leading dim ldc) = or += A panel · B panel.
   */
  static void tile(
      int kc,
      double[] a,
      int aOff,
      double[] b,
      int bOff,
      double[] c,
      int cOff,
      int ldc,
      boolean add) {
    DoubleVector c00 = DoubleVector.zero(SPECIES);
    DoubleVector c01 = DoubleVector.zero(SPECIES);
    DoubleVector c10 = DoubleVector.zero(SPECIES);
    DoubleVector c11 = DoubleVector.zero(SPECIES);
    DoubleVector c20 = DoubleVector.zero(SPECIES);
    DoubleVector c21 = DoubleVector.zero(SPECIES);
    DoubleVector c30 = DoubleVector.zero(SPECIES);
    DoubleVector c31 = DoubleVector.zero(SPECIES);
    int ai = aOff;
    int bi = bOff;
    for (int p = 0; p < kc; p++) {
      DoubleVector b0 = DoubleVector.fromArray(SPECIES, b, bi);
      DoubleVector b1 = DoubleVector.fromArray(SPECIES, b, bi + LANES);
      DoubleVector av = DoubleVector.broadcast(SPECIES, a[ai]);
      c00 = av.fma(b0, c00);
      c01 = av.fma(b1, c01);
      av = DoubleVector.broadcast(SPECIES, a[ai + 1]);
      c10 = av.fma(b0, c10);
      c11 = av.fma(b1, c11);
      av = DoubleVector.broadcast(SPECIES, a[ai + 2]);
      c20 = av.fma(b0, c20);
      c21 = av.fma(b1, c21);
      av = DoubleVector.broadcast(SPECIES, a[ai + 3]);
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

  private static void store(DoubleVector v0, DoubleVector v1, double[] c, int off, boolean add) {
    if (add) {
      v0 = v0.add(DoubleVector.fromArray(SPECIES, c, off));
      v1 = v1.add(DoubleVector.fromArray(SPECIES, c, off + LANES));
    }
    v0.intoArray(c, off);
    v1.intoArray(c, off + LANES);
  }
}
