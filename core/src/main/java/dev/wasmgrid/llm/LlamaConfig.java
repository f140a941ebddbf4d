package dev.wasmgrid.llm;

/**
 * Hyper-parameters of a Llama-architecture model.
 *
 * @param dim width of the residual stream
 * @param hiddenDim width of the feed-forward layer
 * @param layers number of transformer blocks
 * @param heads query heads
 * @param kvHeads key/value heads (grouped-query attention when fewer than {@code heads})
 * @param vocabSize tokens in the vocabulary
 * @param seqLen longest context (the KV cache's length)
 * @param rmsEps epsilon of RMSNorm
 * @param ropeTheta base of the rotary position frequencies
 */
public record LlamaConfig(
    int dim,
    int hiddenDim,
    int layers,
    int heads,
    int kvHeads,
    int vocabSize,
    int seqLen,
    float rmsEps,
    float ropeTheta) {

  public LlamaConfig {
    positive("dim", dim);
    positive("hiddenDim", hiddenDim);
    positive("layers", layers);
    positive("heads", heads);
    positive("kvHeads", kvHeads);
    positive("vocabSize", vocabSize);
    positive("seqLen", seqLen);
    if (dim % heads != 0 || (dim / heads) % 2 != 0) {
      throw new IllegalArgumentException(
          "dim (" + dim + ") must split into " + heads + " heads of even size");
    }
    if (heads % kvHeads != 0) {
      throw new IllegalArgumentException(
          "heads (" + heads + ") must be a multiple of kvHeads (" + kvHeads + ")");
    }
    if (!(rmsEps > 0) || !(ropeTheta > 0)) {
      throw new IllegalArgumentException(
          "rmsEps and ropeTheta must be > 0: " + rmsEps + ", " + ropeTheta);
    }
  }

  /** The usual llama2.c values: RMSNorm epsilon 1e-5, RoPE base 10000. */
  public static LlamaConfig of(
      int dim, int hiddenDim, int layers, int heads, int kvHeads, int vocabSize, int seqLen) {
    return new LlamaConfig(dim, hiddenDim, layers, heads, kvHeads, vocabSize, seqLen, 1e-5f, 1e4f);
  }

  /** Width of one attention head. */
  public int headSize() {
    return dim / heads;
  }

  /** Width of the keys (and values) of one position. */
  public int kvDim() {
    return headSize() * kvHeads;
  }

  /** Query heads that share one key/value head. */
  public int kvMul() {
    return heads / kvHeads;
  }

  /** These hyper-parameters with another context length. */
  public LlamaConfig withSeqLen(int newSeqLen) {
    return new LlamaConfig(
        dim, hiddenDim, layers, heads, kvHeads, vocabSize, newSeqLen, rmsEps, ropeTheta);
  }

  private static void positive(String name, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " must be >= 1, got " + value);
    }
  }
}
