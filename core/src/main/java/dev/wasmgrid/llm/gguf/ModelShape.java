package dev.wasmgrid.llm.gguf;

import dev.wasmgrid.llm.Architecture;
import dev.wasmgrid.llm.LlamaConfig;
import dev.wasmgrid.llm.PreTokenizer;
import java.util.List;
import java.util.Objects;

/**
 * The published hyper-parameters of a model people download, for test models of its shape: dims,
 * layers, heads, key/value heads, feed-forward width, rope base, context, whether the classifier is
 * the token embedding, the tokenizer kind ({@code pre} null for SentencePiece) and the mix its
 * usual GGUF download is quantized with.
 *
 * @param llama3Rope whether rope is scaled as Llama 3.1 and later do ({@code rope_freqs.weight})
 */
public record ModelShape(
    String name,
    LlamaConfig config,
    boolean tiedEmbeddings,
    PreTokenizer pre,
    boolean llama3Rope,
    QuantMix usualMix) {

  public ModelShape {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(usualMix, "usualMix");
  }

  /** Llama-3.2-1B-Instruct: dim 2048, 16 layers, 32 heads over 8 kv heads, ffn 8192, Q4_K_M. */
  public static ModelShape llama32_1b() {
    return new ModelShape(
        "llama3.2-1b",
        config(2048, 8192, 16, 32, 8, 128256, 131072, 1e-5f, 500000f, 64, Architecture.LLAMA),
        true,
        PreTokenizer.LLAMA3,
        true,
        QuantMix.Q4_K_M);
  }

  /** Qwen2.5-0.5B-Instruct: dim 896, 24 layers, 14 heads over 2, ffn 4864, q/k/v biases, Q4_K_M. */
  public static ModelShape qwen25_05b() {
    return new ModelShape(
        "qwen2.5-0.5b",
        config(896, 4864, 24, 14, 2, 151936, 32768, 1e-6f, 1e6f, 64, Architecture.QWEN2),
        true,
        PreTokenizer.QWEN2,
        false,
        QuantMix.Q4_K_M);
  }

  /** Qwen3-0.6B: dim 1024, 28 layers, 16 heads of 128 over 8, ffn 3072, head norms, Q8_0. */
  public static ModelShape qwen3_06b() {
    return new ModelShape(
        "qwen3-0.6b",
        config(1024, 3072, 28, 16, 8, 151936, 40960, 1e-6f, 1e6f, 128, Architecture.QWEN3),
        true,
        PreTokenizer.QWEN2,
        false,
        QuantMix.Q8_0);
  }

  /** SmolLM2-135M-Instruct: dim 576, 30 layers, 9 heads over 3, ffn 1536, Q8_0. */
  public static ModelShape smollm2_135m() {
    return new ModelShape(
        "smollm2-135m",
        config(576, 1536, 30, 9, 3, 49152, 8192, 1e-5f, 100000f, 64, Architecture.LLAMA),
        true,
        PreTokenizer.SMOLLM,
        false,
        QuantMix.Q8_0);
  }

  /** TinyLlama-1.1B-Chat: dim 2048, 22 layers, 32 heads over 4, ffn 5632, SentencePiece, Q4_K_M. */
  public static ModelShape tinyllama_11b() {
    return new ModelShape(
        "tinyllama-1.1b",
        config(2048, 5632, 22, 32, 4, 32000, 2048, 1e-5f, 10000f, 64, Architecture.LLAMA),
        false,
        null,
        false,
        QuantMix.Q4_K_M);
  }

  /** The five shapes. */
  public static List<ModelShape> all() {
    return List.of(llama32_1b(), qwen25_05b(), qwen3_06b(), smollm2_135m(), tinyllama_11b());
  }

  /** The shape named {@code name}. */
  public static ModelShape parse(String name) {
    for (ModelShape s : all()) {
      if (s.name().equals(name)) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        "unknown shape '"
            + name
            + "'; known: "
            + String.join(", ", all().stream().map(ModelShape::name).toList()));
  }

  /**
   * This shape cut down for a test: {@code layers} layers, a vocabulary of {@code vocab} tokens and
   * a context of {@code context} positions; dims, heads and the rest stay.
   */
  public ModelShape reduced(int layers, int vocab, int context) {
    LlamaConfig c = config;
    return new ModelShape(
        name,
        config(
            c.dim(),
            c.hiddenDim(),
            layers,
            c.heads(),
            c.kvHeads(),
            vocab,
            context,
            c.rmsEps(),
            c.ropeTheta(),
            c.headSize(),
            c.architecture()),
        tiedEmbeddings,
        pre,
        llama3Rope,
        usualMix);
  }

  private static LlamaConfig config(
      int dim,
      int hidden,
      int layers,
      int heads,
      int kvHeads,
      int vocab,
      int context,
      float eps,
      float ropeBase,
      int headSize,
      Architecture arch) {
    return new LlamaConfig(
        dim, hidden, layers, heads, kvHeads, vocab, context, eps, ropeBase, headSize, arch);
  }
}
