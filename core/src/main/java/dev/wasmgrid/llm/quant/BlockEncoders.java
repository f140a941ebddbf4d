package dev.wasmgrid.llm.quant;

import dev.wasmgrid.llm.TensorType;

/** The encoder of each type the project's GGUF writer can quantize to. */
public final class BlockEncoders {

  private BlockEncoders() {}

  /** The encoder for {@code type}, or null when the writer does not quantize to it. */
  public static BlockEncoder of(TensorType type) {
    return switch (type) {
      case Q8_0 -> new Q8_0Encoder();
      case Q5_0 -> new Q5_0Encoder();
      case Q4_K -> new Q4_KEncoder();
      case Q6_K -> new Q6_KEncoder();
      default -> null;
    };
  }

  /** Writes {@code v} as an f16 at {@code dst[at]} and returns the float it stands for. */
  static float putHalf(byte[] dst, int at, float v) {
    short h = Float.floatToFloat16(v);
    dst[at] = (byte) h;
    dst[at + 1] = (byte) (h >>> 8);
    return Bytes.half(dst, at);
  }
}
