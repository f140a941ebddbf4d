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
 * What the K-quant kernels ({@link KQuantKernels}) share: the activations' quantization Q4_K's
 * integer product takes, the f16 scale conversion, and the species and operators.
 *
 * <p>Q4_K multiplies integers, as llama.cpp does: x is quantized once per product to 8 bits per 32
 * values with one float scale per 32 ({@link #quantizeActivations}), weight times activation is a
 * 16-bit product, pairs of those are summed into 32-bit lanes, and each sub-block's integer sums
 * are scaled once; minimums multiply the quantized x̂'s block sums. So a product is Σ w · x̂ up to
 * float rounding: it differs from the weight-only Σ w · x by at most Σ |w| · amax/254 over the row,
 * amax that of each weight's group of x (the tests hold each kernel to that). Q8_0 and Q4_0 used to
 * be multiplied this way too; widening their bytes to floats measured faster ({@link
 * WidenedBlocks}). Every result is a function of the row's bytes and x alone, whenever it runs, so
 * that a batch of vectors gets the same floats as one at a time; lanes are added in a fixed order
 * (the JIT's {@code reduceLanes} adds them in another order interpreted than compiled).
 *
 * <p>Vectors are 256 bits wide whatever the CPU prefers. The JIT turns the steps into instructions
 * only while they are inlined, and once a compiled method (the product's loop with every kernel it
 * calls) is past its node budget it stops inlining all but the Vector API's own methods: a helper
 * of ours returning a vector then boxes it, which made a kernel up to five times slower. So the
 * kernels are written out flat, with no vector-valued helpers.
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
   * Quantizes {@code x[0 .. cols)} to 8-bit integers, one scale per {@value #GROUP} values: {@code
   * scales[g] = amax / 127} over group g and {@code q[i] = round(x[i] / scales[g])}, so that x̂[i]
   * = q[i] · scales[g] is within scales[g] / 2 of x[i] (an all-zero group gets scale 0), and {@code
   * sums[g]} = scales[g] · Σ q over the group, x̂'s sum. The integers are held in shorts, the width
   * the products load. A pure function of x: every product of the same x quantizes it to the same
   * values. {@code cols} must be a multiple of {@value #GROUP}, {@code q} at least that long,
   * {@code scales} and {@code sums} at least {@code cols / 32}.
   */
  static void quantizeActivations(float[] x, int cols, short[] q, float[] scales, float[] sums) {
    for (int g = 0, at = 0; at < cols; g++, at += GROUP) {
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

  /**
   * The f16 at {@code src[at]}: the JDK's conversion, one instruction where the CPU has one (the
   * portable {@code Half.toFloat} the browser needs took most of a Q4_0 product's time).
   */
  static float half(byte[] src, int at) {
    return Float.float16ToFloat((short) LE_SHORT.get(src, at));
  }
}
