package dev.wasmgrid.llm.quant;

import dev.wasmgrid.llm.TensorType;

/**
 * Q3_K, 110 bytes per 256 weights: 32 bytes of high bits, 64 bytes of 2-bit values, 12 bytes of
 * sixteen 6-bit scales, then the super-scale d (f16). Values are laid out as in {@link Q2_KCodec};
 * the third bit of weight l + 32·k (k = 0..7) is bit k of high byte l, and a clear bit subtracts 4.
 * Weight = d · (scale - 32) · (q - 4·(1 - h)).
 */
final class Q3_KCodec implements BlockCodec {
  private static final int BYTES = 110;

  @Override
  public TensorType type() {
    return TensorType.Q3_K;
  }

  @Override
  public void decode(byte[] src, int srcOff, float[] dst, int dstOff, int blocks) {
    int[] scales = new int[16];
    for (int b = 0; b < blocks; b++) {
      int at = srcOff + b * BYTES;
      float d = Bytes.half(src, at + 108);
      unpackScales(src, at + 96, scales);
      int hm = at;
      int y = dstOff + b * 256;
      int is = 0;
      int mask = 1;
      for (int half = 0; half < 2; half++) {
        int q = at + 32 + 32 * half;
        for (int shift = 0; shift < 8; shift += 2) {
          for (int part = 0; part < 2; part++) {
            float dl = d * (scales[is++] - 32);
            for (int l = 16 * part; l < 16 * part + 16; l++) {
              int v = (Bytes.u8(src, q + l) >>> shift) & 3;
              int sub = (src[hm + l] & mask) != 0 ? 0 : 4;
              dst[y++] = dl * (v - sub);
            }
          }
          mask <<= 1;
        }
      }
    }
  }

  /**
   * The sixteen 6-bit scales: scale i takes its low 4 bits from a nibble of bytes 0..7 (low nibbles
   * for i < 8, high for the rest) and its top 2 bits from bytes 8..11 (byte 8 + i % 4, bits 2·(i /
   * 4)).
   */
  static void unpackScales(byte[] src, int at, int[] out) {
    for (int i = 0; i < 16; i++) {
      int low = (Bytes.u8(src, at + i % 8) >>> (4 * (i / 8))) & 0x0f;
      int high = (Bytes.u8(src, at + 8 + i % 4) >>> (2 * (i / 4))) & 3;
      out[i] = low | high << 4;
    }
  }
}
