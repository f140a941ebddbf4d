package dev.wasmgrid.llm;

import java.util.ArrayList;
import java.util.List;

/**
 * Every weight of a Llama-style model, per layer where they repeat. Matrices are (out × in): {@code
 * wq} is qDim × dim, {@code wk}/{@code wv} kvDim × dim, {@code wo} dim × qDim, {@code w1}/{@code
 * w3} (gate, up) hidden × dim, {@code w2} (down) dim × hidden, the classifier vocab × dim; what
 * other architectures add to the attention is in {@link #attention()}.
 */
public final class LlamaWeights {
  private final WeightMatrix tokenEmbedding;
  private final List<float[]> rmsAtt;
  private final List<WeightMatrix> wq;
  private final List<WeightMatrix> wk;
  private final List<WeightMatrix> wv;
  private final List<WeightMatrix> wo;
  private final List<float[]> rmsFfn;
  private final List<WeightMatrix> w1;
  private final List<WeightMatrix> w2;
  private final List<WeightMatrix> w3;
  private final float[] rmsFinal;
  private final WeightMatrix classifier;
  private final AttentionExtras attention;

  /** Llama's weights, nothing added to the attention. */
  public LlamaWeights(
      WeightMatrix tokenEmbedding,
      List<float[]> rmsAtt,
      List<WeightMatrix> wq,
      List<WeightMatrix> wk,
      List<WeightMatrix> wv,
      List<WeightMatrix> wo,
      List<float[]> rmsFfn,
      List<WeightMatrix> w1,
      List<WeightMatrix> w2,
      List<WeightMatrix> w3,
      float[] rmsFinal,
      WeightMatrix classifier) {
    this(
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

  /** Weights with {@code attention}'s additions. */
  public LlamaWeights(
      WeightMatrix tokenEmbedding,
      List<float[]> rmsAtt,
      List<WeightMatrix> wq,
      List<WeightMatrix> wk,
      List<WeightMatrix> wv,
      List<WeightMatrix> wo,
      List<float[]> rmsFfn,
      List<WeightMatrix> w1,
      List<WeightMatrix> w2,
      List<WeightMatrix> w3,
      float[] rmsFinal,
      WeightMatrix classifier,
      AttentionExtras attention) {
    this.tokenEmbedding = tokenEmbedding;
    this.rmsAtt = List.copyOf(rmsAtt);
    this.wq = List.copyOf(wq);
    this.wk = List.copyOf(wk);
    this.wv = List.copyOf(wv);
    this.wo = List.copyOf(wo);
    this.rmsFfn = List.copyOf(rmsFfn);
    this.w1 = List.copyOf(w1);
    this.w2 = List.copyOf(w2);
    this.w3 = List.copyOf(w3);
    this.rmsFinal = rmsFinal;
    this.classifier = classifier;
    this.attention = attention;
  }

  public WeightMatrix tokenEmbedding() {
    return tokenEmbedding;
  }

  public List<float[]> rmsAtt() {
    return rmsAtt;
  }

  public List<WeightMatrix> wq() {
    return wq;
  }

  public List<WeightMatrix> wk() {
    return wk;
  }

  public List<WeightMatrix> wv() {
    return wv;
  }

  public List<WeightMatrix> wo() {
    return wo;
  }

  public List<float[]> rmsFfn() {
    return rmsFfn;
  }

  public List<WeightMatrix> w1() {
    return w1;
  }

  public List<WeightMatrix> w2() {
    return w2;
  }

  public List<WeightMatrix> w3() {
    return w3;
  }

  public float[] rmsFinal() {
    return rmsFinal;
  }

  public WeightMatrix classifier() {
    return classifier;
  }

  /** What the architecture adds to the attention. */
  public AttentionExtras attention() {
    return attention;
  }

  /**
   * Checks every shape against {@code c}.
   *
   * @throws ModelFormatException naming the first tensor whose shape is wrong
   */
  public void check(LlamaConfig c) {
    shape("token embedding", tokenEmbedding, c.vocabSize(), c.dim());
    shape("classifier", classifier, c.vocabSize(), c.dim());
    length("final norm", rmsFinal, c.dim());
    for (int l = 0; l < c.layers(); l++) {
      if (l >= wq.size() || l >= w2.size() || l >= rmsAtt.size()) {
        throw new ModelFormatException("layer " + l + " is missing");
      }
      length("layer " + l + " attention norm", rmsAtt.get(l), c.dim());
      length("layer " + l + " ffn norm", rmsFfn.get(l), c.dim());
      shape("layer " + l + " wq", wq.get(l), c.qDim(), c.dim());
      shape("layer " + l + " wk", wk.get(l), c.kvDim(), c.dim());
      shape("layer " + l + " wv", wv.get(l), c.kvDim(), c.dim());
      shape("layer " + l + " wo", wo.get(l), c.dim(), c.qDim());
      shape("layer " + l + " w1", w1.get(l), c.hiddenDim(), c.dim());
      shape("layer " + l + " w2", w2.get(l), c.dim(), c.hiddenDim());
      shape("layer " + l + " w3", w3.get(l), c.hiddenDim(), c.dim());
    }
    attention.check(c);
  }

  /** The matrices products take: every layer's seven, then the classifier. */
  public List<WeightMatrix> matrices() {
    List<WeightMatrix> all = new ArrayList<>();
    for (int l = 0; l < wq.size(); l++) {
      all.addAll(
          List.of(wq.get(l), wk.get(l), wv.get(l), wo.get(l), w1.get(l), w2.get(l), w3.get(l)));
    }
    all.add(classifier);
    return all;
  }

  /** Bytes of all weights (a shared classifier counted once). */
  public long bytes() {
    long total = tokenEmbedding.bytes() + 4L * rmsFinal.length + 4L * attention.parameters();
    if (classifier != tokenEmbedding) {
      total += classifier.bytes();
    }
    for (int l = 0; l < wq.size(); l++) {
      total += 4L * (rmsAtt.get(l).length + rmsFfn.get(l).length);
      total += wq.get(l).bytes() + wk.get(l).bytes() + wv.get(l).bytes() + wo.get(l).bytes();
      total += w1.get(l).bytes() + w2.get(l).bytes() + w3.get(l).bytes();
    }
    return total;
  }

  private static void shape(String what, WeightMatrix m, int rows, int cols) {
    if (m.rows() != rows || m.cols() != cols) {
      throw new ModelFormatException(
          what + " is " + m.rows() + "x" + m.cols() + ", expected " + rows + "x" + cols);
    }
  }

  private static void length(String what, float[] v, int n) {
    if (v.length != n) {
      throw new ModelFormatException(what + " has " + v.length + " weights, expected " + n);
    }
  }
}
