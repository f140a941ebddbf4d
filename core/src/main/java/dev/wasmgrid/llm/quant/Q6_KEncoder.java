package dev.wasmgrid.llm.quant;

import dev.wasmgrid.llm.TensorType;

/**
 * Q6_K: per 16-weight sub-block a signed 8-bit scale against the super-block's f16 d, each weight
 * the nearest of the 64 levels d·scale·(q - 32). Weight i of a 128-weight half uses scale i / 16;
 * the bit layout is in {@link Q6_KCodec}.
 */
final class Q6_KEncoder implements BlockEncoder {

  @Override
  public TensorType type() {
    return TensorType.Q6_K;
  }

  @Override
  public void encode(float[] src, int srcOff, byte[] dst, int dstOff, int blocks) {
    float[] scale = new float[16];
    int[] q = new int[256];
    for (int b = 0; b < blocks; b++) {
      int x = srcOff + 256 * b;
      int at = dstOff + 210 * b;
      float maxScale = 0;
      for (int j = 0; j < 16; j++) {
        float amax = 0;
        for (int i = 0; i < 16; i++) {
          amax = Math.max(amax, Math.abs(src[x + 16 * j + i]));
        }
        scale[j] = amax / 31;
        maxScale = Math.max(maxScale, scale[j]);
      }
      float d = BlockEncoders.putHalf(dst, at + 208, maxScale / 127);
      for (int j = 0; j < 16; j++) {
        int s = d == 0 ? 0 : Math.min(127, Math.round(scale[j] / d));
        dst[at + 192 + j] = (byte) s;
        float ds = d * s;
        for (int i = 0; i < 16; i++) {
          int v = ds == 0 ? 0 : Math.round(src[x + 16 * j + i] / ds);
          q[16 * j + i] = Math.max(-32, Math.min(31, v)) + 32;
        }
      }
      for (int half = 0; half < 2; half++) {
        int y = 128 * half;
        int ql = at + 64 * half;
        int qh = at + 128 + 32 * half;
        for (int l = 0; l < 32; l++) {
          int q1 = q[y + l];
          int q2 = q[y + l + 32];
          int q3 = q[y + l + 64];
          int q4 = q[y + l + 96];
          dst[ql + l] = (byte) ((q1 & 0x0f) | (q3 & 0x0f) << 4);
          dst[ql + l + 32] = (byte) ((q2 & 0x0f) | (q4 & 0x0f) << 4);
          dst[qh + l] = (byte) ((q1 >>> 4) | (q2 >>> 4) << 2 | (q3 >>> 4) << 4 | (q4 >>> 4) << 6);
        }
      }
    }
  }
}
