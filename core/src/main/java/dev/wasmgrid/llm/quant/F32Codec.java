package dev.wasmgrid.llm.quant;

import dev.wasmgrid.llm.TensorType;
import dev.wasmgrid.llm.io.LittleEndian;

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
      dst[dstOff + i] = Float.intBitsToFloat(LittleEndian.getInt(src, srcOff + 4 * i));
    }
  }
}
