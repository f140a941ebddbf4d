package dev.wasmgrid.llm.quant;

import dev.wasmgrid.llm.TensorType;

/**
 * The codec of each packed tensor type. F16 has none: it is held as floats (a scalar F16 decode in
 * every product was five times slower than the widened floats), as BF16 is (its codec decodes norm
 * vectors and tests' rows); so is F32, but where the JVM's native kernels multiply a mapped file's
 * F32 matrices as the file stores them. Q4_0 and Q8_0 stay packed in a memory-mapped file; from a
 * byte array (the browser's) the runtime widens them to {@code Q8Matrix}, the form the WebGPU path
 * uploads.
 */
public final class BlockCodecs {

  private BlockCodecs() {}

  /** The codec for {@code type}, or null when the runtime holds that type another way. */
  public static BlockCodec of(TensorType type) {
    return switch (type) {
      case Q4_1 -> new Q4_1Codec();
      case Q5_0 -> new Q5_0Codec();
      case Q5_1 -> new Q5_1Codec();
      case Q2_K -> new Q2_KCodec();
      case Q3_K -> new Q3_KCodec();
      case Q4_K -> new Q4_KCodec();
      case Q5_K -> new Q5_KCodec();
      case Q6_K -> new Q6_KCodec();
      case IQ4_NL -> new Iq4NlCodec();
      case IQ4_XS -> new Iq4XsCodec();
      case BF16 -> new Bf16Codec();
      case Q8_0 -> new Q8_0Codec();
      case Q4_0 -> new Q4_0Codec();
      case F32 -> new F32Codec();
      case F16 -> null;
    };
  }
}
