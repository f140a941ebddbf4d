package dev.wasmgrid.llm.quant;

import dev.wasmgrid.llm.TensorType;

/**
 * F32: each weight its four little-endian bytes. Only a mapped file's F32 matrices that the JVM's
 * native kernels multiply are held packed, so this decodes their single rows (the embedding's).
 */
final class F32Codec implements BlockCodec {

  @Override
  public TensorType type() {
    return TensorType.F32;
  }

  @Override
  public void decode(byte[] src, int srcOff, float[] dst, int dstOff, int blocks) {
    for (int i = 0; i < blocks; i++) {
      int at = srcOff + 4 * i;
      dst[dstOff + i] =
          Float.intBitsToFloat(
              (src[at] & 0xff)
                  | (src[at + 1] & 0xff) << 8
                  | (src[at + 2] & 0xff) << 16
                  | (src[at + 3] & 0xff) << 24);
    }
  }
}
