package dev.wasmgrid.llm.jvm;

import static dev.wasmgrid.llm.jvm.PackedKernels.ASHR;
import static dev.wasmgrid.llm.jvm.PackedKernels.B16;
import static dev.wasmgrid.llm.jvm.PackedKernels.B8;
import static dev.wasmgrid.llm.jvm.PackedKernels.F;
import static dev.wasmgrid.llm.jvm.PackedKernels.GROUP;
import static dev.wasmgrid.llm.jvm.PackedKernels.I;
import static dev.wasmgrid.llm.jvm.PackedKernels.I2F;
import static dev.wasmgrid.llm.jvm.PackedKernels.LSHL;
import static dev.wasmgrid.llm.jvm.PackedKernels.LSHR;
import static dev.wasmgrid.llm.jvm.PackedKernels.S;
import static dev.wasmgrid.llm.jvm.PackedKernels.ZX;
import static dev.wasmgrid.llm.jvm.PackedKernels.ZX_INT;
import static dev.wasmgrid.llm.jvm.PackedKernels.half;

import dev.wasmgrid.llm.Q8Matrix;
import dev.wasmgrid.llm.quant.KScales;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;

/**
 * Vector API dot products of one packed K-quant row (256 weights a block; layouts in {@code
 * dev.wasmgrid.llm.quant.Q4_KCodec}, {@code Q5_KCodec}, {@code Q6_KCodec}) with x. Each sub-block's
 * Σ q · x is summed first and scaled once; the minimums of Q4_K and Q5_K come off as dmin · min · Σ
 * x over the sub-block, from x's sums per 32.
 *
 * <p>Q4_K multiplies integers, with x quantized by {@link PackedKernels#quantizeActivations} (its
 * error bound is the one stated there). Q5_K and Q6_K multiply floats: their weights are assembled
 * from two bit fields, and the 16-bit shifts and ors that would take on 256-bit short vectors do
 * not compile to instructions in this JDK (measured: slower than the scratch-row decode), while
 * 32-bit ones do. Every result is a function of the row's bytes and x alone.
 */
final class KQuantKernels {

  private KQuantKernels() {}

  /**
   * Σ weight · x over {@code blocks} Q4_K blocks at {@code src[at]}, x quantized to {@code xq},
   * {@code xScales} and {@code xSums} ({@link PackedKernels#quantizeActivations}).
   */
  static float dotQ4K(byte[] src, int at, int blocks, short[] xq, float[] xScales, float[] xSums) {
    FloatVector acc0 = FloatVector.zero(F);
    FloatVector acc1 = FloatVector.zero(F);
    float mins = 0;
    int sub = 0;
    for (int blk = 0; blk < blocks; blk++, at += 144) {
      float d = half(src, at);
      float dmin = half(src, at + 2);
      for (int j = 0; j < 8; j += 2, sub += 2) {
        int q = at + 16 + 16 * j;
        int xi = sub * GROUP;
        ShortVector w0 = (ShortVector) ByteVector.fromArray(B16, src, q).convertShape(ZX, S, 0);
        ShortVector w1 =
            (ShortVector) ByteVector.fromArray(B16, src, q + 16).convertShape(ZX, S, 0);
        // Low nibbles are sub-block j, high ones j + 1; a product is at most 15 · 127, so pairs
        // of them fit a short.
        IntVector p0 =
            w0.and((short) 0x0f)
                .mul(ShortVector.fromArray(S, xq, xi))
                .add(w1.and((short) 0x0f).mul(ShortVector.fromArray(S, xq, xi + 16)))
                .reinterpretAsInts();
        IntVector p1 =
            w0.lanewise(LSHR, 4)
                .mul(ShortVector.fromArray(S, xq, xi + 32))
                .add(w1.lanewise(LSHR, 4).mul(ShortVector.fromArray(S, xq, xi + 48)))
                .reinterpretAsInts();
        FloatVector s0 =
            (FloatVector) p0.add(p0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
        FloatVector s1 =
            (FloatVector) p1.add(p1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
        float scale0 = d * KScales.scale(src, at + 4, j) * xScales[sub];
        float scale1 = d * KScales.scale(src, at + 4, j + 1) * xScales[sub + 1];
        acc0 = s0.fma(FloatVector.broadcast(F, scale0), acc0);
        acc1 = s1.fma(FloatVector.broadcast(F, scale1), acc1);
        mins +=
            dmin * KScales.min(src, at + 4, j) * xSums[sub]
                + dmin * KScales.min(src, at + 4, j + 1) * xSums[sub + 1];
      }
    }
    FloatVector v = acc0.add(acc1);
    // In a fixed order (see PackedKernels).
    return v.lane(0) + v.lane(1) + v.lane(2) + v.lane(3) + v.lane(4) + v.lane(5) + v.lane(6)
        + v.lane(7) - mins;
  }

  /**
   * Σ weight · x over {@code blocks} Q5_K blocks at {@code src[at]}, with {@code xSums} x's sums
   * per 32 ({@link Q8Matrix#groupSums}).
   */
  static float dotQ5K(byte[] src, int at, int blocks, float[] x, float[] xSums) {
    FloatVector acc0 = FloatVector.zero(F);
    FloatVector acc1 = FloatVector.zero(F);
    float mins = 0;
    int xi = 0;
    int sub = 0;
    for (int blk = 0; blk < blocks; blk++, at += 176) {
      float d = half(src, at);
      float dmin = half(src, at + 2);
      for (int j = 0; j < 8; j += 2, xi += 64, sub += 2) {
        int q = at + 48 + 16 * j;
        FloatVector s1 = FloatVector.zero(F);
        FloatVector s2 = FloatVector.zero(F);
        for (int l = 0; l < 32; l += 8) {
          IntVector v = (IntVector) ByteVector.fromArray(B8, src, q + l).convertShape(ZX_INT, I, 0);
          // Bits j and j + 1 of the high-bit byte are the fifth bits of sub-blocks j and j + 1.
          IntVector h =
              ((IntVector) ByteVector.fromArray(B8, src, at + 16 + l).convertShape(ZX_INT, I, 0))
                  .lanewise(LSHR, j);
          IntVector lo = v.and(0x0f).or(h.and(1).lanewise(LSHL, 4));
          IntVector hi = v.lanewise(LSHR, 4).or(h.and(2).lanewise(LSHL, 3));
          s1 = ((FloatVector) lo.convert(I2F, 0)).fma(FloatVector.fromArray(F, x, xi + l), s1);
          s2 = ((FloatVector) hi.convert(I2F, 0)).fma(FloatVector.fromArray(F, x, xi + 32 + l), s2);
        }
        acc0 = s1.fma(FloatVector.broadcast(F, d * KScales.scale(src, at + 4, j)), acc0);
        acc1 = s2.fma(FloatVector.broadcast(F, d * KScales.scale(src, at + 4, j + 1)), acc1);
        mins +=
            dmin * KScales.min(src, at + 4, j) * xSums[sub]
                + dmin * KScales.min(src, at + 4, j + 1) * xSums[sub + 1];
      }
    }
    FloatVector v = acc0.add(acc1);
    // In a fixed order (see PackedKernels).
    return v.lane(0) + v.lane(1) + v.lane(2) + v.lane(3) + v.lane(4) + v.lane(5) + v.lane(6)
        + v.lane(7) - mins;
  }

  /**
   * Σ weight · x over {@code blocks} Q6_K blocks at {@code src[at]}, a quarter block per call of a
   * step that adds into an array of lanes: the four runs of a whole block in one loop body took the
   * product's compile past its node budget, and 2.5 times as long.
   */
  static float dotQ6K(byte[] src, int at, int blocks, float[] x) {
    float[] acc = new float[F.length()];
    int xi = 0;
    for (int blk = 0; blk < blocks; blk++, at += 210) {
      float d = half(src, at + 208);
      for (int h = 0; h < 2; h++, xi += 128) {
        int ql = at + 64 * h;
        int qh = at + 128 + 32 * h;
        int sc = at + 192 + 8 * h;
        sixteens(src, ql, qh, d, sc, x, xi, acc);
        sixteens(src, ql + 16, qh + 16, d, sc + 1, x, xi + 16, acc);
      }
    }
    // In a fixed order (see PackedKernels).
    return acc[0] + acc[1] + acc[2] + acc[3] + acc[4] + acc[5] + acc[6] + acc[7];
  }

  /**
   * Adds to {@code acc}'s lanes weight · x over 16 weights of each of the four 32-weight runs of a
   * Q6_K half block: low bits at {@code src[ql]} and {@code src[ql + 32]}, high bits at {@code
   * src[qh]}, their scales at {@code src[is]}, {@code is + 2}, {@code + 4}, {@code + 6}, times d; x
   * at {@code x[xi]}, {@code + 32}, {@code + 64}, {@code + 96}.
   */
  private static void sixteens(
      byte[] src, int ql, int qh, float d, int is, float[] x, int xi, float[] acc) {
    FloatVector s0 = FloatVector.zero(F);
    FloatVector s1 = s0;
    FloatVector s2 = s0;
    FloatVector s3 = s0;
    for (int l = 0; l < 16; l += 8) {
      IntVector lo = (IntVector) ByteVector.fromArray(B8, src, ql + l).convertShape(ZX_INT, I, 0);
      IntVector lo32 =
          (IntVector) ByteVector.fromArray(B8, src, ql + l + 32).convertShape(ZX_INT, I, 0);
      IntVector hi = (IntVector) ByteVector.fromArray(B8, src, qh + l).convertShape(ZX_INT, I, 0);
      IntVector q1 = lo.and(0x0f).or(hi.and(3).lanewise(LSHL, 4));
      IntVector q2 = lo32.and(0x0f).or(hi.and(12).lanewise(LSHL, 2));
      IntVector q3 = lo.lanewise(LSHR, 4).or(hi.and(48));
      IntVector q4 = lo32.lanewise(LSHR, 4).or(hi.lanewise(LSHR, 2).and(48));
      s0 = ((FloatVector) q1.sub(32).convert(I2F, 0)).fma(FloatVector.fromArray(F, x, xi + l), s0);
      s1 =
          ((FloatVector) q2.sub(32).convert(I2F, 0))
              .fma(FloatVector.fromArray(F, x, xi + l + 32), s1);
      s2 =
          ((FloatVector) q3.sub(32).convert(I2F, 0))
              .fma(FloatVector.fromArray(F, x, xi + l + 64), s2);
      s3 =
          ((FloatVector) q4.sub(32).convert(I2F, 0))
              .fma(FloatVector.fromArray(F, x, xi + l + 96), s3);
    }
    FloatVector.fromArray(F, acc, 0)
        .add(
            s0.mul(d * src[is])
                .add(s1.mul(d * src[is + 2]))
                .add(s2.mul(d * src[is + 4]).add(s3.mul(d * src[is + 6]))))
        .intoArray(acc, 0);
  }
}
