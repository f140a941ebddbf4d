package dev.wasmgrid.llm.quant;

import dev.wasmgrid.llm.TensorType;

/**
 * Q4_K: per 32-weight sub-block a scale (range / 15) and a minimum (-min, never negative), both
 * quantized to 6 bits against the super-block's f16 d and dmin; each weight the nearest of the 16
 * levels d·scale·q - dmin·min. Layout in {@link Q4_KCodec} and {@link KScales}.
 */
final class Q4_KEncoder implements BlockEncoder {

  @Override
  public TensorType type() {
    return TensorType.Q4_K;
  }

  @Override
  public void encode(float[] src, int srcOff, byte[] dst, int dstOff, int blocks) {
    float[] scale = new float[8];
    float[] min = new float[8];
    int[] sc = new int[8];
    int[] m = new int[8];
    for (int b = 0; b < blocks; b++) {
      int x = srcOff + 256 * b;
      int at = dstOff + 144 * b;
      float maxScale = 0;
      float maxMin = 0;
      for (int j = 0; j < 8; j++) {
        float lo = 0;
        float hi = 0;
        for (int i = 0; i < 32; i++) {
          lo = Math.min(lo, src[x + 32 * j + i]);
          hi = Math.max(hi, src[x + 32 * j + i]);
        }
        scale[j] = (hi - lo) / 15;
        min[j] = -lo;
        maxScale = Math.max(maxScale, scale[j]);
        maxMin = Math.max(maxMin, min[j]);
      }
      float d = BlockEncoders.putHalf(dst, at, maxScale / 63);
      float dmin = BlockEncoders.putHalf(dst, at + 2, maxMin / 63);
      for (int j = 0; j < 8; j++) {
        // Rounding the minimum up keeps the sub-block's lowest weight within reach of level 0.
        sc[j] = d == 0 ? 0 : Math.min(63, Math.round(scale[j] / d));
        m[j] = dmin == 0 ? 0 : Math.min(63, (int) Math.ceil(min[j] / dmin));
      }
      packScales(sc, m, dst, at + 4);
      for (int pair = 0; pair < 4; pair++) {
        int q = at + 16 + 32 * pair;
        float d1 = d * sc[2 * pair];
        float m1 = dmin * m[2 * pair];
        float d2 = d * sc[2 * pair + 1];
        float m2 = dmin * m[2 * pair + 1];
        for (int l = 0; l < 32; l++) {
          int lo = level(src[x + 64 * pair + l], d1, m1);
          int hi = level(src[x + 64 * pair + 32 + l], d2, m2);
          dst[q + l] = (byte) (lo | hi << 4);
        }
      }
    }
  }

  /** The 16 scale and minimum values in the 12 bytes {@link KScales} reads. */
  private static void packScales(int[] sc, int[] m, byte[] dst, int at) {
    for (int j = 0; j < 4; j++) {
      dst[at + j] = (byte) (sc[j] | (sc[j + 4] >>> 4) << 6);
      dst[at + j + 4] = (byte) (m[j] | (m[j + 4] >>> 4) << 6);
      dst[at + j + 8] = (byte) ((sc[j + 4] & 0x0f) | (m[j + 4] & 0x0f) << 4);
    }
  }

  private static int level(float v, float scale, float min) {
    if (scale == 0) {
      return 0;
    }
    return Math.max(0, Math.min(15, Math.round((v + min) / scale)));
  }
}
