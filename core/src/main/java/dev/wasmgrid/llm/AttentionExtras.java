package dev.wasmgrid.llm;

import java.util.List;

/**
 * What some architectures add to Llama's attention, per layer: q, k and v biases (Qwen2), RMSNorm
 * weights applied to each head of q and k (Qwen3, one weight per head dimension, shared by the
 * heads), and rotary frequency factors that divide each pair's frequency (Llama 3.1 and later scale
 * rope so, in GGUF's {@code rope_freqs.weight}). Lists are empty and {@code ropeFreqs} null where a
 * model has none.
 */
public final class AttentionExtras {
  /** Nothing added: Llama's attention. */
  public static final AttentionExtras NONE =
      new AttentionExtras(List.of(), List.of(), List.of(), List.of(), List.of(), null);

  private final List<float[]> qBias;
  private final List<float[]> kBias;
  private final List<float[]> vBias;
  private final List<float[]> qNorm;
  private final List<float[]> kNorm;
  private final float[] ropeFreqs;

  public AttentionExtras(
      List<float[]> qBias,
      List<float[]> kBias,
      List<float[]> vBias,
      List<float[]> qNorm,
      List<float[]> kNorm,
      float[] ropeFreqs) {
    this.qBias = List.copyOf(qBias);
    this.kBias = List.copyOf(kBias);
    this.vBias = List.copyOf(vBias);
    this.qNorm = List.copyOf(qNorm);
    this.kNorm = List.copyOf(kNorm);
    this.ropeFreqs = ropeFreqs;
  }

  public List<float[]> qBias() {
    return qBias;
  }

  public List<float[]> kBias() {
    return kBias;
  }

  public List<float[]> vBias() {
    return vBias;
  }

  public List<float[]> qNorm() {
    return qNorm;
  }

  public List<float[]> kNorm() {
    return kNorm;
  }

  /** Per rotated pair, the factor its frequency is divided by; null when rope is not scaled. */
  public float[] ropeFreqs() {
    return ropeFreqs;
  }

  public boolean hasBiases() {
    return !qBias.isEmpty();
  }

  public boolean hasHeadNorms() {
    return !qNorm.isEmpty();
  }

  /** Weights in all. */
  public long parameters() {
    long n = ropeFreqs == null ? 0 : ropeFreqs.length;
    for (List<float[]> list : List.of(qBias, kBias, vBias, qNorm, kNorm)) {
      for (float[] v : list) {
        n += v.length;
      }
    }
    return n;
  }

  /**
   * Checks the shapes against {@code c} and that the architecture has what it needs.
   *
   * @throws ModelFormatException naming the first tensor that is missing or of the wrong length
   */
  void check(LlamaConfig c) {
    Architecture a = c.architecture();
    if (a.attentionBiases() && !hasBiases()) {
      throw new ModelFormatException(a.ggufName() + " needs q, k and v biases");
    }
    if (a.headNorms() && !hasHeadNorms()) {
      throw new ModelFormatException(a.ggufName() + " needs q and k head norms");
    }
    if (hasBiases()) {
      layers("q bias", qBias, c, c.qDim());
      layers("k bias", kBias, c, c.kvDim());
      layers("v bias", vBias, c, c.kvDim());
    }
    if (hasHeadNorms()) {
      layers("q head norm", qNorm, c, c.headSize());
      layers("k head norm", kNorm, c, c.headSize());
    }
    if (ropeFreqs != null && ropeFreqs.length != c.headSize() / 2) {
      throw new ModelFormatException(
          "rope frequency factors: "
              + ropeFreqs.length
              + ", expected one per rotated pair ("
              + c.headSize() / 2
              + ")");
    }
  }

  private static void layers(String what, List<float[]> list, LlamaConfig c, int n) {
    if (list.size() != c.layers()) {
      throw new ModelFormatException(
          what + " for " + list.size() + " layers, expected " + c.layers());
    }
    for (int l = 0; l < list.size(); l++) {
      if (list.get(l).length != n) {
        throw new ModelFormatException(
            "layer " + l + " " + what + " has " + list.get(l).length + " weights, expected " + n);
      }
    }
  }
}
