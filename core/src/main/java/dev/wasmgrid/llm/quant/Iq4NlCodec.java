package dev.wasmgrid.llm.quant;

import dev.wasmgrid.llm.TensorType;

/**
 * IQ4_NL, 18 bytes per 32 weights: scale d (f16), then 16 bytes of 4-bit indices into {@link
 * #VALUES} (low nibbles weights 0..15, high nibbles 16..31). Weight = d · VALUES[index].
 */
final class Iq4NlCodec implements BlockCodec {

  /** The non-linear grid: denser near zero, where most weights are. */
  static final byte[] VALUES = {
    -127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113
  };

  private static final int BYTES = 18;

  @Override
  public TensorType type() {
    return TensorType.IQ4_NL;
  }

  @Override
  public void decode(byte[] src, int srcOff, float[] dst, int dstOff, int blocks) {
    for (int b = 0; b < blocks; b++) {
      int at = srcOff + b * BYTES;
      decode32(src, at + 2, Bytes.half(src, at), dst, dstOff + 32 * b);
    }
  }

  /** 32 weights from the 16 index bytes at {@code src[at]}, scaled by {@code d}. */
  static void decode32(byte[] src, int at, float d, float[] dst, int y) {
    for (int j = 0; j < 16; j++) {
      int q = Bytes.u8(src, at + j);
      dst[y + j] = d * VALUES[q & 0x0f];
      dst[y + j + 16] = d * VALUES[q >>> 4];
    }
  }
}
