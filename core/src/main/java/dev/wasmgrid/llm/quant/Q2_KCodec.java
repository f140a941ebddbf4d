package dev.wasmgrid.llm.quant;

import dev.wasmgrid.llm.TensorType;

/**
 * Q2_K, 84 bytes per 256 weights: 16 bytes of sub-block scale (low nibble) and minimum (high
 * nibble), 64 bytes of 2-bit values, then super-scale d and super-minimum dmin (f16). Each half of
 * 128 weights uses 32 value bytes four times over, shifting by 0, 2, 4, 6 bits; each 16 weights
 * have their own scale byte. Weight = d · scale · q - dmin · min.
 */
final class Q2_KCodec implements BlockCodec {
  private static final int BYTES = 84;

  @Override
  public TensorType type() {
    return TensorType.Q2_K;
  }

  @Override
  public void decode(byte[] src, int srcOff, float[] dst, int dstOff, int blocks) {
    for (int b = 0; b < blocks; b++) {
      int at = srcOff + b * BYTES;
      float d = Bytes.half(src, at + 80);
      float dmin = Bytes.half(src, at + 82);
      int y = dstOff + b * 256;
      int is = at;
      for (int half = 0; half < 2; half++) {
        int q = at + 16 + 32 * half;
        for (int shift = 0; shift < 8; shift += 2) {
          for (int part = 0; part < 2; part++) {
            int sc = Bytes.u8(src, is++);
            float dl = d * (sc & 0x0f);
            float ml = dmin * (sc >>> 4);
            for (int l = 0; l < 16; l++) {
              dst[y++] = dl * ((Bytes.u8(src, q + 16 * part + l) >>> shift) & 3) - ml;
            }
          }
        }
      }
    }
  }
}
