package dev.wasmgrid.llm;

/**
 * The model families the forward pass runs, as GGUF's {@code general.architecture} names them. All
 * are Llama's decoder (RMSNorm, grouped-query attention, SwiGLU); they differ in how rotary
 * positions pair a head's dimensions and in what the attention adds.
 */
public enum Architecture {
  /** Llama 1, 2 and 3 (and models built like them): adjacent pairs rotate. */
  LLAMA,
  /** Qwen2 and Qwen2.5: biases on q, k and v; NEOX rotation (dimension i pairs with i + half). */
  QWEN2,
  /** Qwen3: RMSNorm on each head of q and k before rotation; NEOX rotation. */
  QWEN3;

  /** The name GGUF gives it, which also prefixes its hyper-parameter keys. */
  public String ggufName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  /**
   * The architecture GGUF names {@code name}.
   *
   * @throws ModelFormatException naming general.architecture and the value when none matches
   */
  public static Architecture fromGguf(String name) {
    for (Architecture a : values()) {
      if (a.ggufName().equals(name)) {
        return a;
      }
    }
    throw new ModelFormatException(
        "GGUF: general.architecture is '" + name + "'; supported: 'llama', 'qwen2', 'qwen3'");
  }

  /** Whether rotary positions pair dimension i with i + half of each head (else 2i with 2i+1). */
  public boolean neoxRope() {
    return this != LLAMA;
  }

  /** Whether every layer has q, k and v biases. */
  public boolean attentionBiases() {
    return this == QWEN2;
  }

  /** Whether every layer normalizes each head of q and k. */
  public boolean headNorms() {
    return this == QWEN3;
  }
}
