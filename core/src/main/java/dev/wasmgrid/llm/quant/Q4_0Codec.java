package dev.wasmgrid.llm.quant;

import dev.wasmgrid.llm.TensorType;

/**
 * Q4_0, 18 bytes per 32 weights: scale d (f16), then 16 bytes whose low nibbles are weights 0–15
 * and high nibbles weights 16–31. Weight = (q - 8) · d.
 */
final class Q4_0Codec implements BlockCodec {
  private static final int BYTES = 18;

  @Override
  public TensorType type() {
    return TensorType.Q4_0;
  }

  @Override
  public void decode(byte[] src, int srcOff, float[] dst, int dstOff, int blocks) {
    for (int b = 0; b < blocks; b++) {
      int at = srcOff + b * BYTES;
      float d = Bytes.half(src, at);
      int y = dstOff + b * 32;
      for (int j = 0; j < 16; j++) {
        int q = Bytes.u8(src, at + 2 + j);
        dst[y + j] = ((q & 0x0f) - 8) * d;
        dst[y + j + 16] = ((q >>> 4) - 8) * d;
      }
    }
  }
}
