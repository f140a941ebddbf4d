package dev.wasmgrid.llm;

/**
 * Hyper-parameters of a Llama-style model ({@link Architecture}).
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
 * @param headSize width of one attention head (Qwen3 and others make {@code heads × headSize}
 *     differ from {@code dim})
 * @param architecture the model family, for what its forward pass adds to Llama's
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
    float ropeTheta,
    int headSize,
    Architecture architecture) {

  /** A Llama model whose heads split {@code dim}. */
  public LlamaConfig(
      int dim,
      int hiddenDim,
      int layers,
      int heads,
      int kvHeads,
      int vocabSize,
      int seqLen,
      float rmsEps,
      float ropeTheta) {
    this(
        dim,
        hiddenDim,
        layers,
        heads,
        kvHeads,
        vocabSize,
        seqLen,
        rmsEps,
        ropeTheta,
        splitHeads(dim, heads),
        Architecture.LLAMA);
  }

  public LlamaConfig {
    positive("dim", dim);
    positive("hiddenDim", hiddenDim);
    positive("layers", layers);
    positive("heads", heads);
    positive("kvHeads", kvHeads);
    positive("vocabSize", vocabSize);
    positive("seqLen", seqLen);
    positive("headSize", headSize);
    if (headSize % 2 != 0) {
      throw new IllegalArgumentException("headSize must be even, got " + headSize);
    }
    java.util.Objects.requireNonNull(architecture, "architecture");
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

  /** Width of the queries (and of the attention's output) of one position. */
  public int qDim() {
    return headSize * heads;
  }

  /** Width of the keys (and values) of one position. */
  public int kvDim() {
    return headSize * kvHeads;
  }

  /** Query heads that share one key/value head. */
  public int kvMul() {
    return heads / kvHeads;
  }

  /** These hyper-parameters with another context length. */
  public LlamaConfig withSeqLen(int newSeqLen) {
    return new LlamaConfig(
        dim,
        hiddenDim,
        layers,
        heads,
        kvHeads,
        vocabSize,
        newSeqLen,
        rmsEps,
        ropeTheta,
        headSize,
        architecture);
  }

  /** The width of each of {@code heads} heads that split {@code dim}. */
  private static int splitHeads(int dim, int heads) {
    if (heads < 1) {
      return 0; // refused as heads < 1
    }
    if (dim % heads != 0 || (dim / heads) % 2 != 0) {
      throw new IllegalArgumentException(
          "dim (" + dim + ") must split into " + heads + " heads of even size");
    }
    return dim / heads;
  }

  private static void positive(String name, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " must be >= 1, got " + value);
    }
  }
}
