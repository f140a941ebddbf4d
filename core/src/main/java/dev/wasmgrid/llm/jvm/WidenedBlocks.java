package dev.wasmgrid.llm.jvm;

import dev.wasmgrid.llm.Q8Matrix;
import dev.wasmgrid.llm.TensorType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q8_0 and Q4_0 blocks as a mapped file holds them, widened into the form of {@link Q8Matrix} — a
 * signed byte per weight and a float scale per 32 — so that {@link RowKernels}' byte-row kernels
 * dot them in floats. {@link VectorCompute} widens a few rows at a time into scratch arrays that
 * stay in L1, so the file's blocks are still read once per product and never copied to the heap
 * whole. On this project's AVX2 machine that decodes 1.4 to 1.9 times as many tokens a second as
 * multiplying integers with the activations quantized to 8 bits (figures in docs/architecture.md),
 * and every weight is the codec's own value, so a product is the weight-only one: the same floats
 * as a {@link Q8Matrix} of the same blocks (the browser's form). The loader's {@code
 * quant.ByteWidening} does the same once per tensor in plain Java; this runs on every product, so
 * it takes Q4_0's nibbles a vector at a time.
 */
final class WidenedBlocks {
  private static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;

  private WidenedBlocks() {}

  /** Whether {@code type} widens here. */
  static boolean handles(TensorType type) {
    return type == TensorType.Q8_0 || type == TensorType.Q4_0;
  }

  /**
   * Widens {@code blocks} blocks of {@code type} at {@code src[0..]} into {@code q} (32 bytes a
   * block) and {@code scales} (one a block).
   */
  static void widen(TensorType type, byte[] src, int blocks, byte[] q, float[] scales) {
    int size = type.blockBytes();
    boolean q4 = type == TensorType.Q4_0;
    for (int b = 0, at = 0, out = 0; b < blocks; b++, at += size, out += Q8Matrix.GROUP) {
      scales[b] = PackedKernels.half(src, at);
      ByteVector first = ByteVector.fromArray(B16, src, at + 2);
      if (q4) {
        // Weight j is the low nibble of byte j minus 8, weight j + 16 its high nibble minus 8.
        first.and((byte) 0x0f).sub((byte) 8).intoArray(q, out);
        first.lanewise(VectorOperators.LSHR, 4).sub((byte) 8).intoArray(q, out + 16);
      } else {
        first.intoArray(q, out);
        ByteVector.fromArray(B16, src, at + 18).intoArray(q, out + 16);
      }
    }
  }
}
