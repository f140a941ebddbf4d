package dev.wasmgrid.llm.gguf;

import dev.wasmgrid.llm.Architecture;
import dev.wasmgrid.llm.LlamaConfig;
import dev.wasmgrid.llm.ModelFormatException;

/**
 * Reads the hyper-parameters from {@code general.architecture} and the keys it prefixes ({@code
 * llama.embedding_length}, {@code qwen2.rope.freq_base}, ...). Defaults are llama.cpp's.
 */
final class GgufConfigs {

  private GgufConfigs() {}

  /**
   * The hyper-parameters in {@code file}.
   *
   * @throws ModelFormatException naming the key that is missing, out of range or not supported
   */
  static LlamaConfig read(GgufFile file, int vocabSize) {
    Architecture arch = Architecture.fromGguf(file.string("general.architecture", ""));
    String a = arch.ggufName() + ".";
    int dim = (int) file.integer(a + "embedding_length", -1, 1, 1 << 16);
    int heads = (int) file.integer(a + "attention.head_count", -1, 1, 4096);
    // Heads split the width unless the file says otherwise (Qwen3 has wider heads).
    int headSize =
        (int)
            file.integer(a + "attention.key_length", dim % heads == 0 ? dim / heads : -1, 2, 4096);
    long valueLength = file.integer(a + "attention.value_length", headSize, 1, 4096);
    if (valueLength != headSize) {
      throw new ModelFormatException(
          "GGUF: "
              + a
              + "attention.value_length = "
              + valueLength
              + " differs from the key length "
              + headSize
              + "; not supported");
    }
    long ropeDims = file.integer(a + "rope.dimension_count", headSize, 1, 4096);
    if (ropeDims != headSize) {
      throw new ModelFormatException(
          "GGUF: "
              + a
              + "rope.dimension_count = "
              + ropeDims
              + " rotates part of a head of "
              + headSize
              + "; not supported");
    }
    ropeScale(file, a);
    try {
      return new LlamaConfig(
          dim,
          (int) file.integer(a + "feed_forward_length", -1, 1, 1 << 18),
          (int) file.integer(a + "block_count", -1, 1, 1024),
          heads,
          (int) file.integer(a + "attention.head_count_kv", heads, 1, 4096),
          vocabSize,
          (int) file.integer(a + "context_length", -1, 1, 1 << 20),
          (float) file.number(a + "attention.layer_norm_rms_epsilon", 1e-5),
          (float) file.number(a + "rope.freq_base", 10000),
          headSize,
          arch);
    } catch (IllegalArgumentException e) {
      throw new ModelFormatException("GGUF: " + e.getMessage(), e);
    }
  }

  /**
   * The factor {@code rope.scaling.type} "linear" divides every rotary frequency by (1 when the
   * file does not scale so).
   *
   * @throws ModelFormatException for YaRN and other scalings
   */
  static float ropeScale(GgufFile file, String prefix) {
    // llama.cpp takes a scaling factor without a type as linear.
    String type = file.string(prefix + "rope.scaling.type", "linear");
    double factor = file.number(prefix + "rope.scaling.factor", 1);
    if (type.equals("none") || factor == 0 || factor == 1) {
      return 1;
    }
    if (!type.equals("linear")) {
      throw new ModelFormatException(
          "GGUF: "
              + prefix
              + "rope.scaling.type is '"
              + type
              + "'; supported: none, linear (Llama 3's scaling is rope_freqs.weight)");
    }
    if (!(factor > 0)) {
      throw new ModelFormatException(
          "GGUF: " + prefix + "rope.scaling.factor = " + factor + " must be > 0");
    }
    return (float) factor;
  }
}
