package dev.wasmgrid.llm.jvm;

import dev.wasmgrid.llm.quant.KScales;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API dot products of one packed row with x for the two most used K-quant types, Q4_K and
 * Q6_K, and for Q8_0 and Q4_0 as they are held from a mapped file (the layouts are in their codecs,
 * {@code dev.wasmgrid.llm.quant.Q4_KCodec} and so on). K-quant weights are decoded in registers
 * with the codec's float operations (a product and a difference, never fused), so the weights are
 * bit for bit the codec's; Q8_0 and Q4_0 sum the integer values times x per block, then scale the
 * block's sum once (Q4_0 subtracts its offset of 8 from the block's sum, not from each weight).
 * Only the order of the dot product's sum differs from the codecs, as it does for F32 rows.
 */
final class PackedKernels {
  // Species must be constants for the JIT to compile vector operations to instructions.
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final int LANES = F.length();
  private static final VectorSpecies<Byte> B =
      LANES * 8 >= 64 ? VectorSpecies.of(byte.class, VectorShape.forBitSize(LANES * 8)) : null;

  /**
   * Whether the kernels run here: bytes need a shape as wide as the float lanes, and the lanes must
   * tile the sub-blocks (32 weights for Q4_K, 16 per scale for Q6_K).
   */
  static final boolean SUPPORTED = B != null && LANES <= 16 && 16 % LANES == 0;

  private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
  private static final VectorOperators.Conversion<Byte, Integer> B2I = VectorOperators.B2I;
  private static final VectorOperators.Binary LSHL = VectorOperators.LSHL;
  private static final VectorOperators.Binary LSHR = VectorOperators.LSHR;

  private PackedKernels() {}

  /** Σ weight · x over {@code blocks} Q4_K blocks at {@code src[at]}. */
  static float dotQ4K(byte[] src, int at, int blocks, float[] x) {
    FloatVector acc0 = FloatVector.zero(F);
    FloatVector acc1 = FloatVector.zero(F);
    int xi = 0;
    for (int blk = 0; blk < blocks; blk++, at += 144) {
      float d = half(src, at);
      float dmin = half(src, at + 2);
      for (int pair = 0; pair < 4; pair++, xi += 64) {
        FloatVector d1 = FloatVector.broadcast(F, d * KScales.scale(src, at + 4, 2 * pair));
        FloatVector m1 = FloatVector.broadcast(F, dmin * KScales.min(src, at + 4, 2 * pair));
        FloatVector d2 = FloatVector.broadcast(F, d * KScales.scale(src, at + 4, 2 * pair + 1));
        FloatVector m2 = FloatVector.broadcast(F, dmin * KScales.min(src, at + 4, 2 * pair + 1));
        int q = at + 16 + 32 * pair;
        for (int l = 0; l < 32; l += LANES) {
          ByteVector v = ByteVector.fromArray(B, src, q + l);
          FloatVector lo = floats(v.and((byte) 0x0f)).mul(d1).sub(m1);
          FloatVector hi = floats(v.lanewise(LSHR, 4)).mul(d2).sub(m2);
          acc0 = lo.fma(FloatVector.fromArray(F, x, xi + l), acc0);
          acc1 = hi.fma(FloatVector.fromArray(F, x, xi + 32 + l), acc1);
        }
      }
    }
    return Lanes.sum(acc0.add(acc1));
  }

  /** Σ weight · x over {@code blocks} Q6_K blocks at {@code src[at]}. */
  static float dotQ6K(byte[] src, int at, int blocks, float[] x) {
    FloatVector acc0 = FloatVector.zero(F);
    FloatVector acc1 = FloatVector.zero(F);
    FloatVector acc2 = FloatVector.zero(F);
    FloatVector acc3 = FloatVector.zero(F);
    int xi = 0;
    for (int blk = 0; blk < blocks; blk++, at += 210) {
      float d = half(src, at + 208);
      for (int h = 0; h < 2; h++, xi += 128) {
        int ql = at + 64 * h;
        int qh = at + 128 + 32 * h;
        int sc = at + 192 + 8 * h;
        for (int l = 0; l < 32; l += LANES) {
          int is = sc + l / 16;
          ByteVector lo = ByteVector.fromArray(B, src, ql + l);
          ByteVector lo32 = ByteVector.fromArray(B, src, ql + l + 32);
          ByteVector high = ByteVector.fromArray(B, src, qh + l);
          ByteVector q1 = lo.and((byte) 0x0f).or(high.and((byte) 3).lanewise(LSHL, 4));
          ByteVector q2 =
              lo32.and((byte) 0x0f).or(high.lanewise(LSHR, 2).and((byte) 3).lanewise(LSHL, 4));
          ByteVector q3 =
              lo.lanewise(LSHR, 4).or(high.lanewise(LSHR, 4).and((byte) 3).lanewise(LSHL, 4));
          ByteVector q4 = lo32.lanewise(LSHR, 4).or(high.lanewise(LSHR, 6).lanewise(LSHL, 4));
          acc0 = weights(q1, d * src[is]).fma(FloatVector.fromArray(F, x, xi + l), acc0);
          acc1 = weights(q2, d * src[is + 2]).fma(FloatVector.fromArray(F, x, xi + l + 32), acc1);
          acc2 = weights(q3, d * src[is + 4]).fma(FloatVector.fromArray(F, x, xi + l + 64), acc2);
          acc3 = weights(q4, d * src[is + 6]).fma(FloatVector.fromArray(F, x, xi + l + 96), acc3);
        }
      }
    }
    return Lanes.sum(acc0.add(acc1).add(acc2.add(acc3)));
  }

  /** Σ weight · x over {@code blocks} Q8_0 blocks at {@code src[at]}: Σ d · Σ q · x per block. */
  static float dotQ80(byte[] src, int at, int blocks, float[] x) {
    FloatVector acc0 = FloatVector.zero(F);
    FloatVector acc1 = FloatVector.zero(F);
    int xi = 0;
    for (int blk = 0; blk < blocks; blk++, at += 34, xi += 32) {
      FloatVector sum = FloatVector.zero(F);
      for (int l = 0; l < 32; l += LANES) {
        sum =
            floats(ByteVector.fromArray(B, src, at + 2 + l))
                .fma(FloatVector.fromArray(F, x, xi + l), sum);
      }
      FloatVector d = FloatVector.broadcast(F, half(src, at));
      if ((blk & 1) == 0) {
        acc0 = sum.fma(d, acc0);
      } else {
        acc1 = sum.fma(d, acc1);
      }
    }
    return Lanes.sum(acc0.add(acc1));
  }

  /**
   * Σ weight · x over {@code blocks} Q4_0 blocks at {@code src[at]}: Σ d · (Σ q · x - 8 Σ x) per
   * block, with {@code xSums} the sums of x over each block of 32 ({@link #blockSums}), so that the
   * nibbles go to floats unshifted; low nibbles are the block's first 16 weights, high ones the
   * last 16.
   */
  static float dotQ40(byte[] src, int at, int blocks, float[] x, float[] xSums) {
    FloatVector acc0 = FloatVector.zero(F);
    FloatVector acc1 = FloatVector.zero(F);
    float offsets = 0;
    int xi = 0;
    for (int blk = 0; blk < blocks; blk++, at += 18, xi += 32) {
      FloatVector lo = FloatVector.zero(F);
      FloatVector hi = FloatVector.zero(F);
      for (int l = 0; l < 16; l += LANES) {
        IntVector q = (IntVector) ByteVector.fromArray(B, src, at + 2 + l).convertShape(B2I, I, 0);
        lo = ints(q.and(0x0f)).fma(FloatVector.fromArray(F, x, xi + l), lo);
        hi = ints(q.lanewise(LSHR, 4).and(0x0f)).fma(FloatVector.fromArray(F, x, xi + 16 + l), hi);
      }
      float d = half(src, at);
      offsets += d * xSums[blk];
      FloatVector sum = lo.add(hi);
      if ((blk & 1) == 0) {
        acc0 = sum.fma(FloatVector.broadcast(F, d), acc0);
      } else {
        acc1 = sum.fma(FloatVector.broadcast(F, d), acc1);
      }
    }
    return Lanes.sum(acc0.add(acc1)) - 8 * offsets;
  }

  /** The sums of x over each run of {@code size} elements. */
  static float[] blockSums(float[] x, int size) {
    float[] sums = new float[x.length / size];
    for (int i = 0; i < sums.length * size; i++) {
      sums[i / size] += x[i];
    }
    return sums;
  }

  /** (d · scale) · (q - 32), the codec's product in its order. */
  private static FloatVector weights(ByteVector q, float scale) {
    return floats(q.sub((byte) 32)).mul(scale);
  }

  private static FloatVector ints(IntVector v) {
    return (FloatVector) v.convert(VectorOperators.I2F, 0);
  }

  private static FloatVector floats(ByteVector v) {
    return (FloatVector) v.convertShape(VectorOperators.B2F, F, 0);
  }

  /**
   * The f16 at {@code src[at]}: the JDK's conversion, one instruction where the CPU has one (the
   * portable {@code Half.toFloat} the browser needs took most of a Q4_0 product's time).
   */
  private static float half(byte[] src, int at) {
    return Float.float16ToFloat((short) ((src[at] & 0xff) | src[at + 1] << 8));
  }
}
