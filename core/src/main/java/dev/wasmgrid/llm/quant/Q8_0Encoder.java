package dev.wasmgrid.llm.quant;

import dev.wasmgrid.llm.TensorType;

/** Q8_0 as llama.cpp's reference quantizer: scale max|x| / 127, values rounded to nearest. */
final class Q8_0Encoder implements BlockEncoder {

  @Override
  public TensorType type() {
    return TensorType.Q8_0;
  }

  @Override
  public void encode(float[] src, int srcOff, byte[] dst, int dstOff, int blocks) {
    for (int b = 0; b < blocks; b++) {
      int x = srcOff + 32 * b;
      int at = dstOff + 34 * b;
      float amax = 0;
      for (int i = 0; i < 32; i++) {
        amax = Math.max(amax, Math.abs(src[x + i]));
      }
      float d = BlockEncoders.putHalf(dst, at, amax / 127f);
      for (int i = 0; i < 32; i++) {
        int v = d == 0 ? 0 : Math.round(src[x + i] / d);
        dst[at + 2 + i] = (byte) Math.max(-127, Math.min(127, v));
      }
    }
  }
}
