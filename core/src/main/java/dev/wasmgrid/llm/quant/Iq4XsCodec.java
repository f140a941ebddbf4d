package dev.wasmgrid.llm.quant;

import dev.wasmgrid.llm.TensorType;

/**
 * IQ4_XS, 136 bytes per 256 weights: super-scale d (f16), 16 bits of high scale parts, 4 bytes of
 * low scale nibbles, then eight sub-blocks of 16 index bytes laid out as {@link Iq4NlCodec}'s. The
 * 6-bit scale of sub-block i is nibble i of the low bytes plus bits 2i..2i+1 of the high word on
 * top. Weight = d · (scale - 32) · VALUES[index].
 */
final class Iq4XsCodec implements BlockCodec {
  private static final int BYTES = 136;

  @Override
  public TensorType type() {
    return TensorType.IQ4_XS;
  }

  @Override
  public void decode(byte[] src, int srcOff, float[] dst, int dstOff, int blocks) {
    for (int b = 0; b < blocks; b++) {
      int at = srcOff + b * BYTES;
      float d = Bytes.half(src, at);
      int high = Bytes.u8(src, at + 2) | Bytes.u8(src, at + 3) << 8;
      for (int i = 0; i < 8; i++) {
        int low = (Bytes.u8(src, at + 4 + i / 2) >>> (4 * (i % 2))) & 0x0f;
        int scale = low | ((high >>> (2 * i)) & 3) << 4;
        Iq4NlCodec.decode32(src, at + 8 + 16 * i, d * (scale - 32), dst, dstOff + 256 * b + 32 * i);
      }
    }
  }
}
