package dev.wasmgrid.llm.quant;

import dev.wasmgrid.llm.TensorType;

/**
 * Q6_K, 210 bytes per 256 weights: 128 bytes of low nibbles, 64 bytes of 2-bit high parts, 16
 * signed 8-bit scales (one per 16 weights), then the super-scale d (f16). Each half of 128 weights
 * uses 64 nibble bytes and 32 high-bit bytes: weight l + 32·k takes nibble byte l (k even) or l +
 * 32 (k odd), low or high nibble (k < 2 or not), and bits 2k..2k+1 of high byte l. Weight = d ·
 * scale · (q - 32).
 */
final class Q6_KCodec implements BlockCodec {
  private static final int BYTES = 210;

  @Override
  public TensorType type() {
    return TensorType.Q6_K;
  }

  @Override
  public void decode(byte[] src, int srcOff, float[] dst, int dstOff, int blocks) {
    for (int b = 0; b < blocks; b++) {
      int at = srcOff + b * BYTES;
      float d = Bytes.half(src, at + 208);
      int y = dstOff + b * 256;
      for (int half = 0; half < 2; half++) {
        int ql = at + 64 * half;
        int qh = at + 128 + 32 * half;
        int sc = at + 192 + 8 * half;
        for (int l = 0; l < 32; l++) {
          int is = l / 16;
          int lo = Bytes.u8(src, ql + l);
          int lo32 = Bytes.u8(src, ql + l + 32);
          int h = Bytes.u8(src, qh + l);
          int q1 = ((lo & 0x0f) | (h & 3) << 4) - 32;
          int q2 = ((lo32 & 0x0f) | ((h >>> 2) & 3) << 4) - 32;
          int q3 = ((lo >>> 4) | ((h >>> 4) & 3) << 4) - 32;
          int q4 = ((lo32 >>> 4) | ((h >>> 6) & 3) << 4) - 32;
          dst[y + l] = d * src[sc + is] * q1;
          dst[y + l + 32] = d * src[sc + is + 2] * q2;
          dst[y + l + 64] = d * src[sc + is + 4] * q3;
          dst[y + l + 96] = d * src[sc + is + 6] * q4;
        }
        y += 128;
      }
    }
  }
}
