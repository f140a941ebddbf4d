package dev.wasmgrid.llm.jvm;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API dot products of one packed row with x for Q8_0 and Q4_0 as they are held from a mapped
 * file (layouts in their codecs, {@code dev.wasmgrid.llm.quant.Q8_0Codec} and so on), the
 * activations' quantization those products and Q4_K's ({@link KQuantKernels}) take, and the species
 * and operators the kernels share.
 *
 * <p>These types multiply integers, as llama.cpp does: x is quantized once per product to 8 bits
 * per 32 values with one float scale per 32 ({@link #quantizeActivations}), weight times activation
 * is a 16-bit product, pairs of those are summed into 32-bit lanes, and each block's integer sums
 * are scaled once by (weight scale · activation scale); offsets and minimums multiply the quantized
 * x̂'s block sums. So a product is Σ w · x̂ up to float rounding: it differs from the weight-only Σ
 * w · x by at most Σ |w| · amax/254 over the row, amax that of each weight's group of x (the tests
 * hold each kernel to that). On this project's AVX2 machine that takes 25 to 40% less CPU per row
 * than widening every weight to a float (figures in docs/architecture.md). Every result is a
 * function of the row's bytes and x alone, whenever it runs, so that a batch of vectors gets the
 * same floats as one at a time.
 *
 * <p>Vectors are 256 bits wide whatever the CPU prefers: a block of 32 4-bit weights is then 16
 * short lanes, two 16-bit products add into 8 int lanes and one float vector. The JIT turns the
 * steps into instructions only while they are inlined, and once a compiled method (the product's
 * loop with every kernel it calls) is past its node budget it stops inlining all but the Vector
 * API's own methods: a helper of ours returning a vector then boxes it, which made a kernel up to
 * five times slower. So the kernels are written out flat, with no vector-valued helpers.
 */
final class PackedKernels {
  // Species must be constants for the JIT to compile vector operations to instructions.
  static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
  static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
  static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
  static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
  static final VectorSpecies<Byte> B8 = ByteVector.SPECIES_64;
  static final VectorOperators.Binary LSHL = VectorOperators.LSHL;
  static final VectorOperators.Binary LSHR = VectorOperators.LSHR;
  static final VectorOperators.Binary ASHR = VectorOperators.ASHR;
  static final VectorOperators.Conversion<Byte, Short> B2S = VectorOperators.B2S;
  static final VectorOperators.Conversion<Byte, Short> ZX = VectorOperators.ZERO_EXTEND_B2S;
  static final VectorOperators.Conversion<Byte, Integer> ZX_INT = VectorOperators.ZERO_EXTEND_B2I;
  static final VectorOperators.Conversion<Integer, Float> I2F = VectorOperators.I2F;

  /**
   * Whether the kernels run here: the CPU must have 256-bit vectors, else the 256-bit species are
   * emulated far slower than the scratch-row decode.
   */
  static final boolean SUPPORTED = FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 256;

  /** Values per activation scale: one Q8_0/Q4_0 block, one K-quant sub-block. */
  static final int GROUP = 32;

  private static final VarHandle LE_SHORT =
      MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

  private PackedKernels() {}

  /**
   * Quantizes {@code x[0 .. q.length)} to 8-bit integers, one scale per {@value #GROUP} values:
   * {@code scales[g] = amax / 127} over group g and {@code q[i] = round(x[i] / scales[g])}, so that
   * x̂[i] = q[i] · scales[g] is within scales[g] / 2 of x[i] (an all-zero group gets scale 0), and
   * {@code sums[g]} = scales[g] · Σ q over the group, x̂'s sum. The integers are held in shorts,
   * the width the products load. A pure function of x: every product of the same x quantizes it to
   * the same values. {@code q.length} must be a multiple of {@value #GROUP}, {@code scales} and
   * {@code sums} at least {@code q.length / 32} long.
   */
  static void quantizeActivations(float[] x, short[] q, float[] scales, float[] sums) {
    for (int g = 0, at = 0; at < q.length; g++, at += GROUP) {
      float amax = 0;
      for (int i = at; i < at + GROUP; i++) {
        amax = Math.max(amax, Math.abs(x[i]));
      }
      float inverse = amax == 0 ? 0 : 127 / amax;
      int sum = 0;
      for (int i = at; i < at + GROUP; i++) {
        q[i] = (short) Math.round(x[i] * inverse);
        sum += q[i];
      }
      scales[g] = amax / 127;
      sums[g] = scales[g] * sum;
    }
  }

  /** The sums of x over each run of {@code size} elements. */
  static float[] blockSums(float[] x, int size) {
    float[] sums = new float[x.length / size];
    for (int i = 0; i < sums.length * size; i++) {
      sums[i / size] += x[i];
    }
    return sums;
  }

  /**
   * Σ weight · x over {@code blocks} Q8_0 blocks at {@code src[at]}, x quantized to {@code xq} and
   * {@code xScales}: Σ (d · dx) · Σ q · xq per block.
   */
  static float dotQ80(byte[] src, int at, int blocks, short[] xq, float[] xScales) {
    FloatVector acc0 = FloatVector.zero(F);
    FloatVector acc1 = FloatVector.zero(F);
    for (int blk = 0, xi = 0; blk < blocks; blk++, at += 34, xi += GROUP) {
      ShortVector a = (ShortVector) ByteVector.fromArray(B16, src, at + 2).convertShape(B2S, S, 0);
      ShortVector b = (ShortVector) ByteVector.fromArray(B16, src, at + 18).convertShape(B2S, S, 0);
      // Each product is at most 128 · 127, so a + b fits a short but two lanes of it may not:
      // pairs are widened before they add.
      IntVector p =
          a.mul(ShortVector.fromArray(S, xq, xi))
              .add(b.mul(ShortVector.fromArray(S, xq, xi + 16)))
              .reinterpretAsInts();
      FloatVector sum =
          (FloatVector)
              p.lanewise(ASHR, 16).add(p.lanewise(LSHL, 16).lanewise(ASHR, 16)).convert(I2F, 0);
      FloatVector scale = FloatVector.broadcast(F, half(src, at) * xScales[blk]);
      if ((blk & 1) == 0) {
        acc0 = sum.fma(scale, acc0);
      } else {
        acc1 = sum.fma(scale, acc1);
      }
    }
    FloatVector v = acc0.add(acc1);
    // Lanes summed in a fixed order: reduceLanes may add them in another order before the JIT
    // compiles a kernel than after, and a row's product must not depend on when it ran.
    return v.lane(0) + v.lane(1) + v.lane(2) + v.lane(3) + v.lane(4) + v.lane(5) + v.lane(6)
        + v.lane(7);
  }

  /**
   * Σ weight · x over {@code blocks} Q4_0 blocks at {@code src[at]}: Σ (d · dx) · Σ q · xq - 8 Σ d
   * · Σ x̂ per block, x quantized to {@code xq}, {@code xScales} and {@code xSums} ({@link
   * #quantizeActivations}), so that the nibbles multiply unshifted; low nibbles are the block's
   * first 16 weights, high ones the last 16.
   */
  static float dotQ40(byte[] src, int at, int blocks, short[] xq, float[] xScales, float[] xSums) {
    FloatVector acc0 = FloatVector.zero(F);
    FloatVector acc1 = FloatVector.zero(F);
    float offsets = 0;
    // Two blocks a step into two accumulators, so that consecutive blocks' sums do not wait on
    // each other; an odd count's last step repeats its block with a scale of 0 (adding 0s).
    for (int blk = 0; blk < blocks; blk += 2, at += 36) {
      int next = Math.min(blk + 1, blocks - 1);
      int at1 = at + 18 * (next - blk);
      float d0 = half(src, at);
      float d1 = next > blk ? half(src, at1) : 0;
      offsets += d0 * xSums[blk] + d1 * xSums[next];
      ShortVector w0 = (ShortVector) ByteVector.fromArray(B16, src, at + 2).convertShape(ZX, S, 0);
      ShortVector w1 = (ShortVector) ByteVector.fromArray(B16, src, at1 + 2).convertShape(ZX, S, 0);
      ShortVector p0 =
          w0.and((short) 0x0f)
              .mul(ShortVector.fromArray(S, xq, blk * GROUP))
              .add(w0.lanewise(LSHR, 4).mul(ShortVector.fromArray(S, xq, blk * GROUP + 16)));
      ShortVector p1 =
          w1.and((short) 0x0f)
              .mul(ShortVector.fromArray(S, xq, next * GROUP))
              .add(w1.lanewise(LSHR, 4).mul(ShortVector.fromArray(S, xq, next * GROUP + 16)));
      // 4-bit weights times 8-bit activations, twice, fit a short, and so does a pair of those:
      // the high half of i + (i << 16) is the pair's sum.
      IntVector i0 = p0.reinterpretAsInts();
      IntVector i1 = p1.reinterpretAsInts();
      FloatVector s0 =
          (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
      FloatVector s1 =
          (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
      acc0 = s0.fma(FloatVector.broadcast(F, d0 * xScales[blk]), acc0);
      acc1 = s1.fma(FloatVector.broadcast(F, d1 * xScales[next]), acc1);
    }
    FloatVector v = acc0.add(acc1);
    return v.lane(0)
        + v.lane(1)
        + v.lane(2)
        + v.lane(3)
        + v.lane(4)
        + v.lane(5)
        + v.lane(6)
        + v.lane(7)
        - 8 * offsets;
  }

  /**
   * The f16 at {@code src[at]}: the JDK's conversion, one instruction where the CPU has one (the
   * portable {@code Half.toFloat} the browser needs took most of a Q4_0 product's time).
   */
  static float half(byte[] src, int at) {
    return Float.float16ToFloat((short) LE_SHORT.get(src, at));
  }
}
