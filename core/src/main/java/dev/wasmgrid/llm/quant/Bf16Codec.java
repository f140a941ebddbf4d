package dev.wasmgrid.llm.quant;

import dev.wasmgrid.llm.TensorType;

/** BF16: each weight is the upper 16 bits of an F32, so decoding is a shift. */
final class Bf16Codec implements BlockCodec {

  @Override
  public TensorType type() {
    return TensorType.BF16;
  }

  @Override
  public void decode(byte[] src, int srcOff, float[] dst, int dstOff, int blocks) {
    for (int i = 0; i < blocks; i++) {
      int at = srcOff + 2 * i;
      dst[dstOff + i] = Float.intBitsToFloat(((src[at] & 0xff) | (src[at + 1] & 0xff) << 8) << 16);
    }
  }
}
