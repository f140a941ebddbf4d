package dev.wasmgrid.llm.quant;

import dev.wasmgrid.llm.TensorType;

/**
 * Q5_K, 176 bytes per 256 weights: as {@link Q4_KCodec} (d, dmin, 12 scale bytes, 128 bytes of
 * nibbles) with 32 bytes of fifth bits before the nibbles: for weight l of sub-block s, bit s of
 * high-bit byte l. Weight = d · scale · q - dmin · min.
 */
final class Q5_KCodec implements BlockCodec {
  private static final int BYTES = 176;

  @Override
  public TensorType type() {
    return TensorType.Q5_K;
  }

  @Override
  public void decode(byte[] src, int srcOff, float[] dst, int dstOff, int blocks) {
    for (int b = 0; b < blocks; b++) {
      int at = srcOff + b * BYTES;
      float d = Bytes.half(src, at);
      float dmin = Bytes.half(src, at + 2);
      int scales = at + 4;
      int qh = at + 16;
      int qs = at + 48;
      int y = dstOff + b * 256;
      for (int pair = 0; pair < 4; pair++) {
        float d1 = d * KScales.scale(src, scales, 2 * pair);
        float m1 = dmin * KScales.min(src, scales, 2 * pair);
        float d2 = d * KScales.scale(src, scales, 2 * pair + 1);
        float m2 = dmin * KScales.min(src, scales, 2 * pair + 1);
        int q = qs + 32 * pair;
        for (int l = 0; l < 32; l++) {
          int v = Bytes.u8(src, q + l);
          int h = Bytes.u8(src, qh + l) >>> (2 * pair);
          dst[y + l] = d1 * ((v & 0x0f) | (h & 1) << 4) - m1;
          dst[y + 32 + l] = d2 * ((v >>> 4) | (h & 2) << 3) - m2;
        }
        y += 64;
      }
    }
  }
}
