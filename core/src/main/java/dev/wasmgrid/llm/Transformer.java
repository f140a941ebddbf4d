package dev.wasmgrid.llm;

/**
 * One forward pass per token, in the single-pass style of llama2.c: RMSNorm, rotary positions,
 * grouped-query attention over a KV cache, SwiGLU feed-forward, classifier. The architectures
 * differ only inside the attention's projections ({@link #positionHeads}): Qwen2 adds biases, Qwen3
 * normalizes each head of q and k, and Llama rotates adjacent pairs where the Qwens rotate each
 * head's halves. A pass runs a {@link ForwardBatch}: a prompt's positions or several sequences'
 * next positions at once, each weight matrix read once for all of them. Activations are allocated
 * for the largest batch so far, so a steady decoding allocates nothing. Not thread-safe: one pass
 * at a time.
 */
public final class Transformer {
  private final LlamaConfig c;
  private final LlamaWeights w;
  private final Compute compute;
  private final float[] ropeCos;
  private final float[] ropeSin;
  private final float[][] scores;
  private final ForwardBatch single = new ForwardBatch();
  private final Runnable passBody = this::runPending;
  // Run by the threads that computed the gate's and up's units, on those units.
  private final Compute.RangeTask swigluRange = this::swiglu;
  // Bound once, as the pass and its layer are fields: a token allocates nothing. Run by the
  // threads that computed the heads' q, k and v, on those heads.
  private final Compute.RangeTask attendRange = this::attend;
  // Per layer, the matrices that multiply the same vectors: wq, wk, wv; w1, w3.
  private final WeightMatrix[][] qkv;
  private final WeightMatrix[][] gateUp;
  // A packed embedding's row as read, before it is decoded: reused token after token.
  private final byte[] embeddingRow;
  private ForwardBatch pending;
  private int layer;
  private KvCache ownCache;
  private int capacity;
  private float[][] x;
  private float[][] xb;
  private float[][] xb2;
  private float[][] hb;
  private float[][] hb2;
  private float[][] q;
  private float[][] attnOut;
  private float[][] k;
  private float[][] v;
  private float[][] finalIn;
  private float[][] finalOut;
  private float[][][] qkvOut;
  private float[][][] gateUpOut;

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
    this.embeddingRow =
        weights.tokenEmbedding() instanceof PackedMatrix p ? new byte[p.rowBytes()] : null;
    qkv = new WeightMatrix[c.layers()][];
    gateUp = new WeightMatrix[c.layers()][];
    for (int l = 0; l < c.layers(); l++) {
      qkv[l] = new WeightMatrix[] {w.wq().get(l), w.wk().get(l), w.wv().get(l)};
      gateUp[l] = new WeightMatrix[] {w.w1().get(l), w.w3().get(l)};
    }
    scores = new float[c.heads()][c.seqLen()];
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
    reserve(1);
  }

  /** The hyper-parameters. */
  public LlamaConfig config() {
    return c;
  }

  /** What runs its products, and its threads. */
  Compute compute() {
    return compute;
  }

  /** Name of the compute path. */
  public String computeName() {
    return compute.name();
  }

  /** An empty sequence state for this model. */
  public KvCache newCache() {
    return new KvCache(c, compute.kvStore(c));
  }

  /**
   * Runs {@code token} at position {@code pos} of this transformer's own sequence (earlier
   * positions must have run) and returns the logits of the next token: an array owned by this
   * object, overwritten by the next call.
   */
  public float[] forward(int token, int pos) {
    if (ownCache == null) {
      ownCache = newCache();
    }
    return forward(ownCache, token, pos);
  }

  /**
   * Runs {@code token} at position {@code pos} of {@code cache}'s sequence and returns the logits
   * of the next token, {@link KvCache#logits()}.
   */
  public float[] forward(KvCache cache, int token, int pos) {
    single.clear();
    single.add(cache, token, pos, true);
    forward(single);
    return cache.logits();
  }

  /**
   * Runs every entry of {@code batch}: each weight matrix is read once for all of them, and each
   * entry's result is the same, bit for bit, as running it alone. Entries asking for logits find
   * them in their cache.
   */
  public void forward(ForwardBatch batch) {
    pending = batch;
    try {
      compute.pass(batch.size(), passBody);
    } finally {
      pending = null;
    }
  }

  private void runPending() {
    run(pending);
  }

  private void run(ForwardBatch batch) {
    int n = batch.size();
    for (int i = 0; i < n; i++) {
      check(batch.token(i), batch.position(i));
      batch.cache(i).reserve(batch.position(i) + 1);
    }
    reserve(n);
    for (int i = 0; i < n; i++) {
      embed(batch.token(i), x[i]);
    }
    for (int l = 0; l < c.layers(); l++) {
      for (int i = 0; i < n; i++) {
        rmsnorm(xb[i], x[i], w.rmsAtt().get(l));
      }
      layer = l;
      compute.matmulsThen(qkv[l], xb, qkvOut, n, c.kvHeads(), attendRange);
      compute.matmul(w.wo().get(l), attnOut, xb2, n);
      for (int i = 0; i < n; i++) {
        add(x[i], xb2[i]);
        rmsnorm(xb[i], x[i], w.rmsFfn().get(l));
      }
      compute.matmulsThen(gateUp[l], xb, gateUpOut, n, c.hiddenDim(), swigluRange);
      compute.matmul(w.w2().get(l), hb, xb, n);
      for (int i = 0; i < n; i++) {
        add(x[i], xb[i]);
      }
    }
    int wanted = 0;
    for (int i = 0; i < n; i++) {
      if (batch.wantsLogits(i)) {
        rmsnorm(x[i], x[i], w.rmsFinal());
        finalIn[wanted] = x[i];
        finalOut[wanted++] = batch.cache(i).logits();
      }
    }
    if (wanted > 0) {
      compute.matmul(w.classifier(), finalIn, finalOut, wanted);
    }
  }

  private void check(int token, int pos) {
    if (token < 0 || token >= c.vocabSize()) {
      throw new IllegalArgumentException(
          "token " + token + " outside the vocabulary [0, " + c.vocabSize() + ")");
    }
    if (pos < 0 || pos >= c.seqLen()) {
      throw new IllegalArgumentException(
          "position " + pos + " outside the context [0, " + c.seqLen() + ")");
    }
  }

  /** Activations for {@code n} entries at once, grown when a batch is larger than any before. */
  private void reserve(int n) {
    if (n <= capacity) {
      return;
    }
    capacity = Math.max(n, 2 * capacity);
    x = new float[capacity][c.dim()];
    xb = new float[capacity][c.dim()];
    xb2 = new float[capacity][c.dim()];
    hb = new float[capacity][c.hiddenDim()];
    hb2 = new float[capacity][c.hiddenDim()];
    q = new float[capacity][c.qDim()];
    attnOut = new float[capacity][c.qDim()];
    k = new float[capacity][c.kvDim()];
    v = new float[capacity][c.kvDim()];
    finalIn = new float[capacity][];
    finalOut = new float[capacity][];
    qkvOut = new float[][][] {q, k, v};
    gateUpOut = new float[][][] {hb, hb2};
  }

  /**
   * Key-value heads [from, to) of the running pass's entries at {@link #layer}, with their query
   * heads, once their q, k and v are computed: biases, head norms and rotary positions applied, k
   * and v stored in each entry's cache, then each entry's attention. Heads are independent (each
   * with its own scores row), so ranges of them may run on several threads, each storing and
   * reading its own heads' keys and values. All the entries' keys are stored before any attends: a
   * prompt's positions attend to the earlier ones of the same pass.
   */
  private void attend(int from, int to) {
    ForwardBatch batch = pending;
    int hs = c.headSize();
    int qFrom = from * c.kvMul();
    int qTo = to * c.kvMul();
    for (int i = 0; i < batch.size(); i++) {
      int pos = batch.position(i);
      positionHeads(i, pos, qFrom, qTo, from, to);
      KvCache cache = batch.cache(i);
      KvStore store = cache.store();
      if (store != null) {
        store.store(layer, pos, k[i], v[i], from * hs, to * hs);
        continue;
      }
      int at = pos * c.kvDim() + from * hs;
      System.arraycopy(k[i], from * hs, cache.keys(layer), at, (to - from) * hs);
      System.arraycopy(v[i], from * hs, cache.values(layer), at, (to - from) * hs);
    }
    for (int i = 0; i < batch.size(); i++) {
      attention(layer, batch.cache(i), batch.position(i), q[i], attnOut[i], qFrom, qTo);
    }
  }

  /**
   * Entry {@code i}'s query heads [qFrom, qTo) and key-value heads [kvFrom, kvTo) at {@code pos}:
   * the architecture's biases and head norms, then the rotary positions (Llama's adjacent pairs,
   * the Qwens' halves).
   */
  private void positionHeads(int i, int pos, int qFrom, int qTo, int kvFrom, int kvTo) {
    AttentionExtras extras = w.attention();
    int hs = c.headSize();
    if (extras.hasBiases()) {
      add(q[i], extras.qBias().get(layer), qFrom * hs, qTo * hs);
      add(k[i], extras.kBias().get(layer), kvFrom * hs, kvTo * hs);
      add(v[i], extras.vBias().get(layer), kvFrom * hs, kvTo * hs);
    }
    if (extras.hasHeadNorms()) {
      headNorm(q[i], extras.qNorm().get(layer), qFrom, qTo);
      headNorm(k[i], extras.kNorm().get(layer), kvFrom, kvTo);
    }
    if (c.architecture().neoxRope()) {
      rotateHalves(q[i], pos, qFrom, qTo);
      rotateHalves(k[i], pos, kvFrom, kvTo);
    } else {
      rotate(q[i], pos, qFrom, qTo);
      rotate(k[i], pos, kvFrom, kvTo);
    }
  }

  /**
   * Attention of heads [from, to) of query {@code qs} over positions [0, pos] of {@code cache} into
   * {@code out}. Heads are independent, each with its own scores row, so ranges of heads may run on
   * several threads.
   */
  private void attention(int l, KvCache cache, int pos, float[] qs, float[] out, int from, int to) {
    KvStore store = cache.store();
    if (store != null) {
      store.attend(l, pos + 1, qs, out, from, to);
      return;
    }
    int hs = c.headSize();
    int kvDim = c.kvDim();
    float scale = (float) (1.0 / Math.sqrt(hs));
    float[] keys = cache.keys(l);
    float[] values = cache.values(l);
    for (int h = from; h < to; h++) {
      float[] att = scores[h];
      int qOff = h * hs;
      int kvOff = (h / c.kvMul()) * hs;
      compute.dots(qs, qOff, keys, kvOff, kvDim, hs, att, pos + 1);
      for (int t = 0; t <= pos; t++) {
        att[t] *= scale;
      }
      compute.softmax(att, pos + 1);
      for (int i = 0; i < hs; i++) {
        out[qOff + i] = 0;
      }
      compute.axpys(att, pos + 1, values, kvOff, kvDim, out, qOff, hs);
    }
  }

  /** Row {@code token} of the embedding table into {@code dst}. */
  private void embed(int token, float[] dst) {
    if (w.tokenEmbedding() instanceof PackedMatrix p) {
      p.row(token, dst, embeddingRow);
    } else {
      w.tokenEmbedding().row(token, dst);
    }
  }

  /**
   * SwiGLU in place over hidden units [from, to) of the running pass's entries: {@code hb[e][i] =
   * silu(hb[e][i]) * hb2[e][i]}.
   */
  private void swiglu(int from, int to) {
    for (int e = 0; e < pending.size(); e++) {
      compute.swiglu(hb[e], hb2[e], from, to);
    }
  }

  /** Rotates each adjacent pair (2i, 2i+1) of heads [from, to) by the angle of its frequency. */
  private void rotate(float[] vec, int pos, int from, int to) {
    int hs = c.headSize();
    int half = hs / 2;
    int base = pos * half;
    for (int h = from; h < to; h++) {
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
   * Rotates each pair (i, i + half) of heads [from, to) by the angle of frequency i: GPT-NeoX's
   * layout, which the Qwens use.
   */
  private void rotateHalves(float[] vec, int pos, int from, int to) {
    int hs = c.headSize();
    int half = hs / 2;
    int base = pos * half;
    for (int h = from; h < to; h++) {
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

  /**
   * RMSNorm of heads [from, to) of {@code vec} in place, every head with the same {@code weight}.
   */
  private void headNorm(float[] vec, float[] weight, int from, int to) {
    for (int off = from * weight.length; off < to * weight.length; off += weight.length) {
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

  /**
   * Softmax of {@code v[0..n)} in place, llama2.c's: e^(v − max) summed in order by {@code
   * compute}'s {@link Compute#expsSum}, each divided by the sum.
   */
  static void softmax(float[] v, int n, Compute compute) {
    float sum = compute.expsSum(v, n);
    for (int i = 0; i < n; i++) {
      v[i] /= sum;
    }
  }

  private static void add(float[] acc, float[] delta) {
    add(acc, delta, 0, acc.length);
  }

  private static void add(float[] acc, float[] delta, int from, int to) {
    for (int i = from; i < to; i++) {
      acc[i] += delta[i];
    }
  }
}
