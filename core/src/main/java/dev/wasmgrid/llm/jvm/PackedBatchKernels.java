package dev.wasmgrid.llm.jvm;

import static dev.wasmgrid.llm.jvm.PackedKernels.ASHR;
import static dev.wasmgrid.llm.jvm.PackedKernels.B16;
import static dev.wasmgrid.llm.jvm.PackedKernels.B2S;
import static dev.wasmgrid.llm.jvm.PackedKernels.F;
import static dev.wasmgrid.llm.jvm.PackedKernels.GROUP;
import static dev.wasmgrid.llm.jvm.PackedKernels.I2F;
import static dev.wasmgrid.llm.jvm.PackedKernels.LSHL;
import static dev.wasmgrid.llm.jvm.PackedKernels.LSHR;
import static dev.wasmgrid.llm.jvm.PackedKernels.S;
import static dev.wasmgrid.llm.jvm.PackedKernels.ZX;
import static dev.wasmgrid.llm.jvm.PackedKernels.half;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;

/**
 * One packed Q8_0 or Q4_0 row dotted with four quantized vectors at once: each block is loaded and
 * widened once for the four (a prompt's positions, or concurrent streams), where {@link
 * PackedKernels} does it once per vector. For each vector the arithmetic is {@link
 * PackedKernels#dotQ80} / {@link PackedKernels#dotQ40}'s, step for step and in the same order, so
 * the results are bit for bit the same as one vector at a time. Written out flat, as those are: a
 * helper taking or returning vectors stops compiling to instructions once it is not inlined.
 */
final class PackedBatchKernels {
  /** Vectors per call. */
  static final int VECTORS = 4;

  private PackedBatchKernels() {}

  /**
   * Row r's Q8_0 blocks at {@code src[at]} with vectors {@code v .. v + 3} (quantized: {@code xq},
   * {@code xScales}), into {@code outs[v + k][r]}; {@code lanes} is 8 floats of scratch.
   */
  static void dotQ80(
      byte[] src,
      int at,
      int blocks,
      short[][] xq,
      float[][] xScales,
      int v,
      float[][] outs,
      int r,
      float[] lanes) {
    short[] q0 = xq[v];
    short[] q1 = xq[v + 1];
    short[] q2 = xq[v + 2];
    short[] q3 = xq[v + 3];
    FloatVector e0 = FloatVector.zero(F);
    FloatVector e1 = FloatVector.zero(F);
    FloatVector e2 = FloatVector.zero(F);
    FloatVector e3 = FloatVector.zero(F);
    FloatVector o0 = FloatVector.zero(F);
    FloatVector o1 = FloatVector.zero(F);
    FloatVector o2 = FloatVector.zero(F);
    FloatVector o3 = FloatVector.zero(F);
    for (int blk = 0, xi = 0; blk < blocks; blk++, at += 34, xi += GROUP) {
      ShortVector a = (ShortVector) ByteVector.fromArray(B16, src, at + 2).convertShape(B2S, S, 0);
      ShortVector b = (ShortVector) ByteVector.fromArray(B16, src, at + 18).convertShape(B2S, S, 0);
      float d = half(src, at);
      IntVector p0 =
          a.mul(ShortVector.fromArray(S, q0, xi))
              .add(b.mul(ShortVector.fromArray(S, q0, xi + 16)))
              .reinterpretAsInts();
      IntVector p1 =
          a.mul(ShortVector.fromArray(S, q1, xi))
              .add(b.mul(ShortVector.fromArray(S, q1, xi + 16)))
              .reinterpretAsInts();
      IntVector p2 =
          a.mul(ShortVector.fromArray(S, q2, xi))
              .add(b.mul(ShortVector.fromArray(S, q2, xi + 16)))
              .reinterpretAsInts();
      IntVector p3 =
          a.mul(ShortVector.fromArray(S, q3, xi))
              .add(b.mul(ShortVector.fromArray(S, q3, xi + 16)))
              .reinterpretAsInts();
      FloatVector s0 =
          (FloatVector)
              p0.lanewise(ASHR, 16).add(p0.lanewise(LSHL, 16).lanewise(ASHR, 16)).convert(I2F, 0);
      FloatVector s1 =
          (FloatVector)
              p1.lanewise(ASHR, 16).add(p1.lanewise(LSHL, 16).lanewise(ASHR, 16)).convert(I2F, 0);
      FloatVector s2 =
          (FloatVector)
              p2.lanewise(ASHR, 16).add(p2.lanewise(LSHL, 16).lanewise(ASHR, 16)).convert(I2F, 0);
      FloatVector s3 =
          (FloatVector)
              p3.lanewise(ASHR, 16).add(p3.lanewise(LSHL, 16).lanewise(ASHR, 16)).convert(I2F, 0);
      FloatVector c0 = FloatVector.broadcast(F, d * xScales[v][blk]);
      FloatVector c1 = FloatVector.broadcast(F, d * xScales[v + 1][blk]);
      FloatVector c2 = FloatVector.broadcast(F, d * xScales[v + 2][blk]);
      FloatVector c3 = FloatVector.broadcast(F, d * xScales[v + 3][blk]);
      if ((blk & 1) == 0) {
        e0 = s0.fma(c0, e0);
        e1 = s1.fma(c1, e1);
        e2 = s2.fma(c2, e2);
        e3 = s3.fma(c3, e3);
      } else {
        o0 = s0.fma(c0, o0);
        o1 = s1.fma(c1, o1);
        o2 = s2.fma(c2, o2);
        o3 = s3.fma(c3, o3);
      }
    }
    e0.add(o0).intoArray(lanes, 0);
    outs[v][r] = sum(lanes, 0);
    e1.add(o1).intoArray(lanes, 0);
    outs[v + 1][r] = sum(lanes, 0);
    e2.add(o2).intoArray(lanes, 0);
    outs[v + 2][r] = sum(lanes, 0);
    e3.add(o3).intoArray(lanes, 0);
    outs[v + 3][r] = sum(lanes, 0);
  }

  /**
   * Row r's Q4_0 blocks at {@code src[at]} with vectors {@code v .. v + 3} (quantized: {@code xq},
   * {@code xScales}, {@code xSums}), into {@code outs[v + k][r]}; {@code lanes} is 8 floats of
   * scratch.
   */
  static void dotQ40(
      byte[] src,
      int at,
      int blocks,
      short[][] xq,
      float[][] xScales,
      float[][] xSums,
      int v,
      float[][] outs,
      int r,
      float[] lanes) {
    short[] q0 = xq[v];
    short[] q1 = xq[v + 1];
    short[] q2 = xq[v + 2];
    short[] q3 = xq[v + 3];
    FloatVector e0 = FloatVector.zero(F);
    FloatVector e1 = FloatVector.zero(F);
    FloatVector e2 = FloatVector.zero(F);
    FloatVector e3 = FloatVector.zero(F);
    FloatVector o0 = FloatVector.zero(F);
    FloatVector o1 = FloatVector.zero(F);
    FloatVector o2 = FloatVector.zero(F);
    FloatVector o3 = FloatVector.zero(F);
    float f0 = 0;
    float f1 = 0;
    float f2 = 0;
    float f3 = 0;
    for (int blk = 0; blk < blocks; blk += 2, at += 36) {
      int next = Math.min(blk + 1, blocks - 1);
      int at1 = at + 18 * (next - blk);
      float d0 = half(src, at);
      float d1 = next > blk ? half(src, at1) : 0;
      f0 += d0 * xSums[v][blk] + d1 * xSums[v][next];
      f1 += d0 * xSums[v + 1][blk] + d1 * xSums[v + 1][next];
      f2 += d0 * xSums[v + 2][blk] + d1 * xSums[v + 2][next];
      f3 += d0 * xSums[v + 3][blk] + d1 * xSums[v + 3][next];
      ShortVector w0 = (ShortVector) ByteVector.fromArray(B16, src, at + 2).convertShape(ZX, S, 0);
      ShortVector w1 = (ShortVector) ByteVector.fromArray(B16, src, at1 + 2).convertShape(ZX, S, 0);
      ShortVector lo0 = w0.and((short) 0x0f);
      ShortVector hi0 = w0.lanewise(LSHR, 4);
      ShortVector lo1 = w1.and((short) 0x0f);
      ShortVector hi1 = w1.lanewise(LSHR, 4);
      int x0 = blk * GROUP;
      int x1 = next * GROUP;
      IntVector i00 =
          lo0.mul(ShortVector.fromArray(S, q0, x0))
              .add(hi0.mul(ShortVector.fromArray(S, q0, x0 + 16)))
              .reinterpretAsInts();
      IntVector i01 =
          lo1.mul(ShortVector.fromArray(S, q0, x1))
              .add(hi1.mul(ShortVector.fromArray(S, q0, x1 + 16)))
              .reinterpretAsInts();
      e0 =
          ((FloatVector) i00.add(i00.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0))
              .fma(FloatVector.broadcast(F, d0 * xScales[v][blk]), e0);
      o0 =
          ((FloatVector) i01.add(i01.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0))
              .fma(FloatVector.broadcast(F, d1 * xScales[v][next]), o0);
      IntVector i10 =
          lo0.mul(ShortVector.fromArray(S, q1, x0))
              .add(hi0.mul(ShortVector.fromArray(S, q1, x0 + 16)))
              .reinterpretAsInts();
      IntVector i11 =
          lo1.mul(ShortVector.fromArray(S, q1, x1))
              .add(hi1.mul(ShortVector.fromArray(S, q1, x1 + 16)))
              .reinterpretAsInts();
      e1 =
          ((FloatVector) i10.add(i10.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0))
              .fma(FloatVector.broadcast(F, d0 * xScales[v + 1][blk]), e1);
      o1 =
          ((FloatVector) i11.add(i11.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0))
              .fma(FloatVector.broadcast(F, d1 * xScales[v + 1][next]), o1);
      IntVector i20 =
          lo0.mul(ShortVector.fromArray(S, q2, x0))
              .add(hi0.mul(ShortVector.fromArray(S, q2, x0 + 16)))
              .reinterpretAsInts();
      IntVector i21 =
          lo1.mul(ShortVector.fromArray(S, q2, x1))
              .add(hi1.mul(ShortVector.fromArray(S, q2, x1 + 16)))
              .reinterpretAsInts();
      e2 =
          ((FloatVector) i20.add(i20.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0))
              .fma(FloatVector.broadcast(F, d0 * xScales[v + 2][blk]), e2);
      o2 =
          ((FloatVector) i21.add(i21.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0))
              .fma(FloatVector.broadcast(F, d1 * xScales[v + 2][next]), o2);
      IntVector i30 =
          lo0.mul(ShortVector.fromArray(S, q3, x0))
              .add(hi0.mul(ShortVector.fromArray(S, q3, x0 + 16)))
              .reinterpretAsInts();
      IntVector i31 =
          lo1.mul(ShortVector.fromArray(S, q3, x1))
              .add(hi1.mul(ShortVector.fromArray(S, q3, x1 + 16)))
              .reinterpretAsInts();
      e3 =
          ((FloatVector) i30.add(i30.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0))
              .fma(FloatVector.broadcast(F, d0 * xScales[v + 3][blk]), e3);
      o3 =
          ((FloatVector) i31.add(i31.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0))
              .fma(FloatVector.broadcast(F, d1 * xScales[v + 3][next]), o3);
    }
    e0.add(o0).intoArray(lanes, 0);
    outs[v][r] = sum(lanes, 0) - 8 * f0;
    e1.add(o1).intoArray(lanes, 0);
    outs[v + 1][r] = sum(lanes, 0) - 8 * f1;
    e2.add(o2).intoArray(lanes, 0);
    outs[v + 2][r] = sum(lanes, 0) - 8 * f2;
    e3.add(o3).intoArray(lanes, 0);
    outs[v + 3][r] = sum(lanes, 0) - 8 * f3;
  }

  /** The eight lanes added first to last, as {@link PackedKernels}' kernels add them. */
  private static float sum(float[] l, int o) {
    return l[o] + l[o + 1] + l[o + 2] + l[o + 3] + l[o + 4] + l[o + 5] + l[o + 6] + l[o + 7];
  }
}
