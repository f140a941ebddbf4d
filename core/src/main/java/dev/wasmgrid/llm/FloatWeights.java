package dev.wasmgrid.llm;

import java.util.ArrayList;
import java.util.List;

/**
 * Full-precision weights as plain arrays, each matrix row-major (out × in) and per layer: what the
 * test-model generator makes and the writers encode. {@code classifier} is null when the model
 * shares it with the token embedding.
 */
public final class FloatWeights {
  private final LlamaConfig config;
  private final float[] tokenEmbedding;
  private final float[][] rmsAtt;
  private final float[][] wq;
  private final float[][] wk;
  private final float[][] wv;
  private final float[][] wo;
  private final float[][] rmsFfn;
  private final float[][] w1;
  private final float[][] w2;
  private final float[][] w3;
  private final float[] rmsFinal;
  private final float[] classifier;
  private final AttentionExtras attention;

  public FloatWeights(
      LlamaConfig config,
      float[] tokenEmbedding,
      float[][] rmsAtt,
      float[][] wq,
      float[][] wk,
      float[][] wv,
      float[][] wo,
      float[][] rmsFfn,
      float[][] w1,
      float[][] w2,
      float[][] w3,
      float[] rmsFinal,
      float[] classifier) {
    this(
        config,
        tokenEmbedding,
        rmsAtt,
        wq,
        wk,
        wv,
        wo,
        rmsFfn,
        w1,
        w2,
        w3,
        rmsFinal,
        classifier,
        AttentionExtras.NONE);
  }

  private FloatWeights(
      LlamaConfig config,
      float[] tokenEmbedding,
      float[][] rmsAtt,
      float[][] wq,
      float[][] wk,
      float[][] wv,
      float[][] wo,
      float[][] rmsFfn,
      float[][] w1,
      float[][] w2,
      float[][] w3,
      float[] rmsFinal,
      float[] classifier,
      AttentionExtras attention) {
    this.config = config;
    this.tokenEmbedding = tokenEmbedding;
    this.rmsAtt = rmsAtt;
    this.wq = wq;
    this.wk = wk;
    this.wv = wv;
    this.wo = wo;
    this.rmsFfn = rmsFfn;
    this.w1 = w1;
    this.w2 = w2;
    this.w3 = w3;
    this.rmsFinal = rmsFinal;
    this.classifier = classifier;
    this.attention = attention;
  }

  /** These weights with {@code extras} added to the attention (kept as they are, in F32). */
  public FloatWeights withAttention(AttentionExtras extras) {
    return new FloatWeights(
        config,
        tokenEmbedding,
        rmsAtt,
        wq,
        wk,
        wv,
        wo,
        rmsFfn,
        w1,
        w2,
        w3,
        rmsFinal,
        classifier,
        extras);
  }

  public LlamaConfig config() {
    return config;
  }

  public float[] tokenEmbedding() {
    return tokenEmbedding;
  }

  public float[][] rmsAtt() {
    return rmsAtt;
  }

  public float[][] wq() {
    return wq;
  }

  public float[][] wk() {
    return wk;
  }

  public float[][] wv() {
    return wv;
  }

  public float[][] wo() {
    return wo;
  }

  public float[][] rmsFfn() {
    return rmsFfn;
  }

  public float[][] w1() {
    return w1;
  }

  public float[][] w2() {
    return w2;
  }

  public float[][] w3() {
    return w3;
  }

  public float[] rmsFinal() {
    return rmsFinal;
  }

  public float[] classifier() {
    return classifier;
  }

  /** What the architecture adds to the attention. */
  public AttentionExtras attention() {
    return attention;
  }

  /**
   * These weights in memory as {@code dtype} would store them: F32 shares the arrays, F16 rounds
   * each weight, Q8_0 and Q4_0 quantize matrices in groups of 32 exactly as the writers do, so a
   * model built here equals one written and read back.
   *
   * @throws IllegalArgumentException if {@code dtype} is not {@link TensorType#writable()}
   */
  public LlamaWeights encode(TensorType dtype) {
    LlamaConfig c = config;
    int dim = c.dim();
    List<WeightMatrix> q = new ArrayList<>();
    List<WeightMatrix> k = new ArrayList<>();
    List<WeightMatrix> v = new ArrayList<>();
    List<WeightMatrix> o = new ArrayList<>();
    List<WeightMatrix> g = new ArrayList<>();
    List<WeightMatrix> d = new ArrayList<>();
    List<WeightMatrix> u = new ArrayList<>();
    for (int l = 0; l < c.layers(); l++) {
      q.add(matrix(dtype, wq[l], c.qDim(), dim));
      k.add(matrix(dtype, wk[l], c.kvDim(), dim));
      v.add(matrix(dtype, wv[l], c.kvDim(), dim));
      o.add(matrix(dtype, wo[l], dim, c.qDim()));
      g.add(matrix(dtype, w1[l], c.hiddenDim(), dim));
      d.add(matrix(dtype, w2[l], dim, c.hiddenDim()));
      u.add(matrix(dtype, w3[l], c.hiddenDim(), dim));
    }
    WeightMatrix embedding = matrix(dtype, tokenEmbedding, c.vocabSize(), dim);
    WeightMatrix cls =
        classifier == null ? embedding : matrix(dtype, classifier, c.vocabSize(), dim);
    return new LlamaWeights(
        embedding, List.of(rmsAtt), q, k, v, o, List.of(rmsFfn), g, d, u, rmsFinal, cls, attention);
  }

  private static WeightMatrix matrix(TensorType dtype, float[] data, int rows, int cols) {
    return switch (dtype) {
      case F32 -> new F32Matrix(rows, cols, data);
      case F16 -> new F32Matrix(rows, cols, Quantizer.roundToHalf(data));
      case Q8_0 -> Quantizer.q8(data, rows, cols);
      case Q4_0 -> Quantizer.q4(data, rows, cols);
      default -> throw new IllegalArgumentException("cannot encode weights as " + dtype);
    };
  }
}
