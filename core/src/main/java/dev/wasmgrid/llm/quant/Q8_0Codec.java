package dev.wasmgrid.llm.quant;

import dev.wasmgrid.llm.TensorType;

/** Q8_0, 34 bytes per 32 weights: scale d (f16), then 32 signed bytes. Weight = q · d. */
final class Q8_0Codec implements BlockCodec {
  private static final int BYTES = 34;

  @Override
  public TensorType type() {
    return TensorType.Q8_0;
  }

  @Override
  public void decode(byte[] src, int srcOff, float[] dst, int dstOff, int blocks) {
    for (int b = 0; b < blocks; b++) {
      int at = srcOff + b * BYTES;
      float d = Bytes.half(src, at);
      int y = dstOff + b * 32;
      for (int i = 0; i < 32; i++) {
        dst[y + i] = src[at + 2 + i] * d;
      }
    }
  }
}
