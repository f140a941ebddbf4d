package dev.wasmgrid.llm.quant;

import dev.wasmgrid.llm.TensorType;

/**
 * Q5_1, 24 bytes per 32 weights: scale d (f16), minimum m (f16), a 32-bit word of fifth bits, 16
 * bytes of low nibbles (weights j and j + 16). Weight = q · d + m.
 */
final class Q5_1Codec implements BlockCodec {
  private static final int BYTES = 24;

  @Override
  public TensorType type() {
    return TensorType.Q5_1;
  }

  @Override
  public void decode(byte[] src, int srcOff, float[] dst, int dstOff, int blocks) {
    for (int b = 0; b < blocks; b++) {
      int at = srcOff + b * BYTES;
      int y = dstOff + b * 32;
      float d = Bytes.half(src, at);
      float m = Bytes.half(src, at + 2);
      int high = Bytes.u32(src, at + 4);
      for (int j = 0; j < 16; j++) {
        int q = Bytes.u8(src, at + 8 + j);
        int lo = (q & 0x0f) | ((high >>> j) & 1) << 4;
        int hi = (q >>> 4) | ((high >>> (j + 16)) & 1) << 4;
        dst[y + j] = lo * d + m;
        dst[y + j + 16] = hi * d + m;
      }
    }
  }
}
