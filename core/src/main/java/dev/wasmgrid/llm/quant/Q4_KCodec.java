package dev.wasmgrid.llm.quant;

import dev.wasmgrid.llm.TensorType;

/**
 * Q4_K, 144 bytes per 256 weights: super-scale d and super-minimum dmin (f16), 12 bytes of 6-bit
 * sub-block scales and minimums ({@link KScales}), then 128 bytes of nibbles. Each 32 bytes hold
 * two sub-blocks of 32 weights: low nibbles the first, high nibbles the second. Weight = d · scale
 * · q - dmin · min.
 */
final class Q4_KCodec implements BlockCodec {
  private static final int BYTES = 144;

  @Override
  public TensorType type() {
    return TensorType.Q4_K;
  }

  @Override
  public void decode(byte[] src, int srcOff, float[] dst, int dstOff, int blocks) {
    for (int b = 0; b < blocks; b++) {
      int at = srcOff + b * BYTES;
      float d = Bytes.half(src, at);
      float dmin = Bytes.half(src, at + 2);
      int scales = at + 4;
      int qs = at + 16;
      int y = dstOff + b * 256;
      for (int pair = 0; pair < 4; pair++) {
        float d1 = d * KScales.scale(src, scales, 2 * pair);
        float m1 = dmin * KScales.min(src, scales, 2 * pair);
        float d2 = d * KScales.scale(src, scales, 2 * pair + 1);
        float m2 = dmin * KScales.min(src, scales, 2 * pair + 1);
        int q = qs + 32 * pair;
        // Two loops, one store stream each, which the JIT vectorizes.
        for (int l = 0; l < 32; l++) {
          dst[y + l] = d1 * (src[q + l] & 0x0f) - m1;
        }
        for (int l = 0; l < 32; l++) {
          dst[y + 32 + l] = d2 * ((src[q + l] & 0xff) >>> 4) - m2;
        }
        y += 64;
      }
    }
  }
}
