package dev.wasmgrid.llm;

/**
 * One forward pass per token, in the single-pass style of llama2.c: RMSNorm, rotary positions,
 * grouped-query attention over a KV cache, SwiGLU feed-forward, classifier. The architectures
 * differ only inside the attention's projections ({@link #project}): Qwen2 adds biases, Qwen3
 * normalizes each head of q and k, and Llama rotates adjacent pairs where the Qwens rotate each
 * head's halves. All activations and the cache are allocated once here, so generating a token
 * allocates nothing. Not thread-safe: one generation at a time.
 */
public final class Transformer {
  private final LlamaConfig c;
  private final LlamaWeights w;
  private final Compute compute;
  private final float[] x;
  private final float[] xb;
  private final float[] xb2;
  private final float[] hb;
  private final float[] hb2;
  private final float[] q;
  private final float[] attnOut;
  private final float[] k;
  private final float[] v;
  private final float[] att;
  private final float[] logits;
  private final float[][] keyCache;
  private final float[][] valueCache;
  private final float[] ropeCos;
  private final float[] ropeSin;

  /** A pass over {@code weights} (checked against {@code config}) computed by {@code compute}. */
  public Transformer(LlamaConfig config, LlamaWeights weights, Compute compute) {
    weights.check(config);
    // Runtime.maxMemory would bound it by the heap, but the browser's class library lacks it.
    if ((long) config.seqLen() * config.kvDim() > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "a KV cache layer for a context of "
              + config.seqLen()
              + " positions does not fit one array; use a shorter context");
    }
    this.c = config;
    this.w = weights;
    this.compute = compute;
    x = new float[c.dim()];
    xb = new float[c.dim()];
    xb2 = new float[c.dim()];
    hb = new float[c.hiddenDim()];
    hb2 = new float[c.hiddenDim()];
    q = new float[c.qDim()];
    attnOut = new float[c.qDim()];
    k = new float[c.kvDim()];
    v = new float[c.kvDim()];
    att = new float[c.seqLen()];
    logits = new float[c.vocabSize()];
    keyCache = new float[c.layers()][c.seqLen() * c.kvDim()];
    valueCache = new float[c.layers()][c.seqLen() * c.kvDim()];
    int half = c.headSize() / 2;
    float[] factors = w.attention().ropeFreqs();
    ropeCos = new float[c.seqLen() * half];
    ropeSin = new float[c.seqLen() * half];
    for (int pos = 0; pos < c.seqLen(); pos++) {
      for (int i = 0; i < half; i++) {
        double freq = 1.0 / Math.pow(c.ropeTheta(), (2.0 * i) / c.headSize());
        if (factors != null) {
          freq /= factors[i];
        }
        ropeCos[pos * half + i] = (float) Math.cos(pos * freq);
        ropeSin[pos * half + i] = (float) Math.sin(pos * freq);
      }
    }
  }

  /** The hyper-parameters. */
  public LlamaConfig config() {
    return c;
  }

  /** Name of the compute path. */
  public String computeName() {
    return compute.name();
  }

  /**
   * Runs {@code token} at position {@code pos} (earlier positions must have run) and returns the
   * logits of the next token: an array owned by this object, overwritten by the next call.
   */
  public float[] forward(int token, int pos) {
    if (token < 0 || token >= c.vocabSize()) {
      throw new IllegalArgumentException(
          "token " + token + " outside the vocabulary [0, " + c.vocabSize() + ")");
    }
    if (pos < 0 || pos >= c.seqLen()) {
      throw new IllegalArgumentException(
          "position " + pos + " outside the context [0, " + c.seqLen() + ")");
    }
    int kvDim = c.kvDim();
    w.tokenEmbedding().row(token, x);
    for (int l = 0; l < c.layers(); l++) {
      rmsnorm(xb, x, w.rmsAtt().get(l));
      project(l, pos);
      System.arraycopy(k, 0, keyCache[l], pos * kvDim, kvDim);
      System.arraycopy(v, 0, valueCache[l], pos * kvDim, kvDim);
      attention(l, pos);
      compute.matvec(w.wo().get(l), attnOut, xb2);
      add(x, xb2);

      rmsnorm(xb, x, w.rmsFfn().get(l));
      compute.matvec(w.w1().get(l), xb, hb);
      compute.matvec(w.w3().get(l), xb, hb2);
      for (int i = 0; i < hb.length; i++) {
        float g = hb[i];
        hb[i] = g / (1f + (float) Math.exp(-g)) * hb2[i];
      }
      compute.matvec(w.w2().get(l), hb, xb);
      add(x, xb);
    }
    rmsnorm(x, x, w.rmsFinal());
    compute.matvec(w.classifier(), x, logits);
    return logits;
  }

  /** Queries, keys and values of the normalized input {@code xb}, positions applied. */
  private void project(int l, int pos) {
    AttentionExtras extras = w.attention();
    compute.matvec(w.wq().get(l), xb, q);
    compute.matvec(w.wk().get(l), xb, k);
    compute.matvec(w.wv().get(l), xb, v);
    if (extras.hasBiases()) {
      add(q, extras.qBias().get(l));
      add(k, extras.kBias().get(l));
      add(v, extras.vBias().get(l));
    }
    if (extras.hasHeadNorms()) {
      headNorm(q, extras.qNorm().get(l));
      headNorm(k, extras.kNorm().get(l));
    }
    if (c.architecture().neoxRope()) {
      rotateHalves(q, pos);
      rotateHalves(k, pos);
    } else {
      rotate(q, pos);
      rotate(k, pos);
    }
  }

  private void attention(int l, int pos) {
    int hs = c.headSize();
    int kvDim = c.kvDim();
    float scale = (float) (1.0 / Math.sqrt(hs));
    float[] keys = keyCache[l];
    float[] values = valueCache[l];
    for (int h = 0; h < c.heads(); h++) {
      int qOff = h * hs;
      int kvOff = (h / c.kvMul()) * hs;
      for (int t = 0; t <= pos; t++) {
        att[t] = compute.dot(q, qOff, keys, t * kvDim + kvOff, hs) * scale;
      }
      softmax(att, pos + 1);
      for (int i = 0; i < hs; i++) {
        attnOut[qOff + i] = 0;
      }
      for (int t = 0; t <= pos; t++) {
        compute.axpy(att[t], values, t * kvDim + kvOff, attnOut, qOff, hs);
      }
    }
  }

  /** Rotates each adjacent pair (2i, 2i+1) of every head by the angle of its frequency. */
  private void rotate(float[] vec, int pos) {
    int hs = c.headSize();
    int half = hs / 2;
    int base = pos * half;
    for (int h = 0; h < vec.length / hs; h++) {
      for (int i = 0; i < half; i++) {
        int j = h * hs + 2 * i;
        float cos = ropeCos[base + i];
        float sin = ropeSin[base + i];
        float v0 = vec[j];
        float v1 = vec[j + 1];
        vec[j] = v0 * cos - v1 * sin;
        vec[j + 1] = v0 * sin + v1 * cos;
      }
    }
  }

  /**
   * Rotates each pair (i, i + half) of every head by the angle of frequency i: GPT-NeoX's layout,
   * which the Qwens use.
   */
  private void rotateHalves(float[] vec, int pos) {
    int hs = c.headSize();
    int half = hs / 2;
    int base = pos * half;
    for (int h = 0; h < vec.length / hs; h++) {
      for (int i = 0; i < half; i++) {
        int j = h * hs + i;
        float cos = ropeCos[base + i];
        float sin = ropeSin[base + i];
        float v0 = vec[j];
        float v1 = vec[j + half];
        vec[j] = v0 * cos - v1 * sin;
        vec[j + half] = v0 * sin + v1 * cos;
      }
    }
  }

  private void rmsnorm(float[] out, float[] in, float[] weight) {
    rmsnorm(out, in, 0, in.length, weight);
  }

  /** RMSNorm of each head of {@code vec} in place, every head with the same {@code weight}. */
  private void headNorm(float[] vec, float[] weight) {
    for (int off = 0; off < vec.length; off += weight.length) {
      rmsnorm(vec, vec, off, weight.length, weight);
    }
  }

  /** RMSNorm of {@code in[off, off + n)} into {@code out} at the same place. */
  private void rmsnorm(float[] out, float[] in, int off, int n, float[] weight) {
    float ss = compute.dot(in, off, in, off, n);
    float inv = (float) (1.0 / Math.sqrt(ss / n + c.rmsEps()));
    for (int i = 0; i < n; i++) {
      out[off + i] = weight[i] * (inv * in[off + i]);
    }
  }

  /** Softmax of {@code v[0..n)} in place. */
  static void softmax(float[] v, int n) {
    float max = v[0];
    for (int i = 1; i < n; i++) {
      max = Math.max(max, v[i]);
    }
    float sum = 0;
    for (int i = 0; i < n; i++) {
      v[i] = (float) Math.exp(v[i] - max);
      sum += v[i];
    }
    for (int i = 0; i < n; i++) {
      v[i] /= sum;
    }
  }

  private static void add(float[] acc, float[] delta) {
    for (int i = 0; i < acc.length; i++) {
      acc[i] += delta[i];
    }
  }
}
