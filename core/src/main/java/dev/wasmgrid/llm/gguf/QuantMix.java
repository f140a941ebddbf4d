package dev.wasmgrid.llm.gguf;

import dev.wasmgrid.llm.TensorType;
import java.util.Locale;

/**
 * The per-tensor type mixes of llama.cpp's {@code llama-quantize} for the file types people
 * download, as its {@code llama_tensor_get_type} picks them for a dense Llama-like model (no
 * experts, no importance matrix). A K-quant needs rows of a multiple of 256 weights; a tensor whose
 * rows are not gets llama.cpp's fallback (Q4_K to Q5_0, Q6_K to Q8_0). {@link #F32} and {@link
 * #F16} are the converter's unquantized files: every matrix in that type.
 */
public enum QuantMix {
  /** Every matrix F32. */
  F32(0, TensorType.F32),
  /** Every matrix F16. */
  F16(1, TensorType.F16),
  /** Q4_0, with Q6_K for the classifier (or the token embedding when it doubles as one). */
  Q4_0(2, TensorType.Q4_0),
  /** Every matrix Q8_0. */
  Q8_0(7, TensorType.Q8_0),
  /** Every matrix Q6_K. */
  Q6_K(18, TensorType.Q6_K),
  /**
   * Q4_K, with Q6_K for the classifier (or the token embedding when it doubles as one) and, on the
   * layers {@link #moreBits} picks, for {@code attn_v} and {@code ffn_down}.
   */
  Q4_K_M(15, TensorType.Q4_K);

  private final int fileType;
  private final TensorType base;

  QuantMix(int fileType, TensorType base) {
    this.fileType = fileType;
    this.base = base;
  }

  /** llama.cpp's {@code general.file_type} for the mix. */
  public int fileType() {
    return fileType;
  }

  /** Lower-case name, as in bench output: {@code q4_k_m}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The mix with wire name {@code name}. */
  public static QuantMix parse(String name) {
    for (QuantMix m : values()) {
      if (m.wireName().equals(name.toLowerCase(Locale.ROOT))) {
        return m;
      }
    }
    throw new IllegalArgumentException(
        "unknown mix '" + name + "'; known: f32, f16, q4_0, q8_0, q6_k, q4_k_m");
  }

  /**
   * The type of matrix {@code name} (a standard GGUF tensor name) of layer {@code layer} of {@code
   * layers}, with rows of {@code cols} weights; {@code hasOutput} says whether the file has its own
   * {@code output.weight}.
   */
  public TensorType typeOf(String name, int layer, int layers, int cols, boolean hasOutput) {
    boolean classifier =
        name.equals("output.weight") || (!hasOutput && name.equals("token_embd.weight"));
    TensorType t = base;
    if (this == F32 || this == F16) {
      return base;
    }
    if (classifier) {
      return cols % 256 != 0 || this == Q8_0 ? TensorType.Q8_0 : TensorType.Q6_K;
    }
    if (this == Q4_K_M
        && (name.endsWith("attn_v.weight") || name.endsWith("ffn_down.weight"))
        && moreBits(layer, layers)) {
      t = TensorType.Q6_K;
    }
    if (cols % t.blockSize() != 0) {
      t = t == TensorType.Q4_K ? TensorType.Q5_0 : TensorType.Q8_0;
    }
    return t;
  }

  /** The layers that get more bits: the first and last eighth, and every third one between. */
  static boolean moreBits(int layer, int layers) {
    return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
  }
}
