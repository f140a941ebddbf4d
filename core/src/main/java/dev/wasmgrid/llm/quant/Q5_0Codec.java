package dev.wasmgrid.llm.quant;

import dev.wasmgrid.llm.TensorType;

/**
 * Q5_0, 22 bytes per 32 weights: scale d (f16), a 32-bit word of fifth bits (bit j for weight j),
 * then 16 bytes of low nibbles as in Q4_0 (weights j and j + 16). Weight = (q - 16) · d.
 */
final class Q5_0Codec implements BlockCodec {
  private static final int BYTES = 22;

  @Override
  public TensorType type() {
    return TensorType.Q5_0;
  }

  @Override
  public void decode(byte[] src, int srcOff, float[] dst, int dstOff, int blocks) {
    for (int b = 0; b < blocks; b++) {
      int at = srcOff + b * BYTES;
      int y = dstOff + b * 32;
      float d = Bytes.half(src, at);
      int high = Bytes.u32(src, at + 2);
      for (int j = 0; j < 16; j++) {
        int q = Bytes.u8(src, at + 6 + j);
        int lo = (q & 0x0f) | ((high >>> j) & 1) << 4;
        int hi = (q >>> 4) | ((high >>> (j + 16)) & 1) << 4;
        dst[y + j] = (lo - 16) * d;
        dst[y + j + 16] = (hi - 16) * d;
      }
    }
  }
}
