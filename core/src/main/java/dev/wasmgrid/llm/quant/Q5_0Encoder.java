package dev.wasmgrid.llm.quant;

import dev.wasmgrid.llm.TensorType;

/**
 * Q5_0 as llama.cpp's reference quantizer: scale = the value of largest magnitude / -16, values
 * offset by 16, low nibbles as in Q4_0 and the fifth bits in a 32-bit word.
 */
final class Q5_0Encoder implements BlockEncoder {

  @Override
  public TensorType type() {
    return TensorType.Q5_0;
  }

  @Override
  public void encode(float[] src, int srcOff, byte[] dst, int dstOff, int blocks) {
    for (int b = 0; b < blocks; b++) {
      int x = srcOff + 32 * b;
      int at = dstOff + 22 * b;
      float max = 0;
      for (int i = 0; i < 32; i++) {
        if (Math.abs(src[x + i]) > Math.abs(max)) {
          max = src[x + i];
        }
      }
      float d = BlockEncoders.putHalf(dst, at, max / -16f);
      float id = d == 0 ? 0 : 1 / d;
      int high = 0;
      for (int j = 0; j < 16; j++) {
        int lo = level(src[x + j] * id);
        int hi = level(src[x + j + 16] * id);
        dst[at + 6 + j] = (byte) ((lo & 0x0f) | (hi & 0x0f) << 4);
        high |= (lo >>> 4) << j | (hi >>> 4) << (j + 16);
      }
      for (int k = 0; k < 4; k++) {
        dst[at + 2 + k] = (byte) (high >>> (8 * k));
      }
    }
  }

  private static int level(float scaled) {
    return Math.max(0, Math.min(31, (int) (scaled + 16.5f)));
  }
}
