package dev.wasmgrid.llm.quant;

import dev.wasmgrid.llm.TensorType;

/**
 * Q4_1, 20 bytes per 32 weights: scale d (f16), minimum m (f16), then 16 bytes whose low nibbles
 * are weights 0..15 and high nibbles weights 16..31. Weight = q · d + m.
 */
final class Q4_1Codec implements BlockCodec {
  private static final int BYTES = 20;

  @Override
  public TensorType type() {
    return TensorType.Q4_1;
  }

  @Override
  public void decode(byte[] src, int srcOff, float[] dst, int dstOff, int blocks) {
    for (int b = 0; b < blocks; b++) {
      int at = srcOff + b * BYTES;
      int y = dstOff + b * 32;
      float d = Bytes.half(src, at);
      float m = Bytes.half(src, at + 2);
      for (int j = 0; j < 16; j++) {
        int q = Bytes.u8(src, at + 4 + j);
        dst[y + j] = (q & 0x0f) * d + m;
        dst[y + j + 16] = (q >>> 4) * d + m;
      }
    }
  }
}
