package dev.wasmgrid.llm.quant;

import dev.wasmgrid.llm.TensorType;

/**
 * Turns floats into the packed blocks of one tensor type, for the project's own GGUF writer. The
 * blocks are valid for llama.cpp's layout, though not bit for bit what its reference quantizer
 * picks: scales come from each block's range in one pass, without llama.cpp's search. The type's
 * {@link BlockCodec} decodes them to exactly the values the encoder rounded to.
 */
public interface BlockEncoder {

  /** The type whose blocks this writes. */
  TensorType type();

  /**
   * Encodes {@code blocks} blocks of {@code type().blockSize()} weights from {@code src[srcOff]}
   * into {@code dst[dstOff .. dstOff + blocks * type().blockBytes())}.
   */
  void encode(float[] src, int srcOff, byte[] dst, int dstOff, int blocks);
}
