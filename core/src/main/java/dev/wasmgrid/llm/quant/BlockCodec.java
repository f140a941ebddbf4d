package dev.wasmgrid.llm.quant;

import dev.wasmgrid.llm.TensorType;

/**
 * Turns the packed blocks of one tensor type back into floats, bit for bit as llama.cpp's reference
 * dequantization does: the same integer unpacking, the same float operations in the same order.
 */
public interface BlockCodec {

  /** The type whose blocks this decodes. */
  TensorType type();

  /**
   * Decodes {@code blocks} consecutive blocks starting at {@code src[srcOff]} into {@code
   * dst[dstOff .. dstOff + blocks * type().blockSize())}.
   */
  void decode(byte[] src, int srcOff, float[] dst, int dstOff, int blocks);
}
