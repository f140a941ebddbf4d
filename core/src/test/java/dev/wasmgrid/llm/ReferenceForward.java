package dev.wasmgrid.llm;

/**
 * A forward pass written separately from {@link Transformer}, as plainly as possible: weights
 * dequantized to double matrices, every sum in double, RoPE angles computed where they are used, a
 * list of past keys and values instead of a preallocated cache. It follows the architectures'
 * reference code (Hugging Face's Llama, Qwen2, Qwen3): biases added after the projections, each
 * head of q and k RMS-normalized before rotation, rotation of adjacent pairs (Llama, as GGUF stores
 * its weights) or of each head's halves (Qwen), frequencies divided by the rope factors.
 */
final class ReferenceForward {
  private final LlamaConfig c;
  private final double[][] embedding;
  private final double[][][] wq;
  private final double[][][] wk;
  private final double[][][] wv;
  private final double[][][] wo;
  private final double[][][] w1;
  private final double[][][] w2;
  private final double[][][] w3;
  private final double[][] rmsAtt;
  private final double[][] rmsFfn;
  private final double[] rmsFinal;
  private final double[][] classifier;
  private final double[][][] keys;
  private final double[][][] values;
  private final AttentionExtras extras;

  ReferenceForward(LlamaConfig c, LlamaWeights w) {
    this.c = c;
    embedding = dense(w.tokenEmbedding());
    classifier = dense(w.classifier());
    int l = c.layers();
    wq = new double[l][][];
    wk = new double[l][][];
    wv = new double[l][][];
    wo = new double[l][][];
    w1 = new double[l][][];
    w2 = new double[l][][];
    w3 = new double[l][][];
    rmsAtt = new double[l][];
    rmsFfn = new double[l][];
    for (int i = 0; i < l; i++) {
      wq[i] = dense(w.wq().get(i));
      wk[i] = dense(w.wk().get(i));
      wv[i] = dense(w.wv().get(i));
      wo[i] = dense(w.wo().get(i));
      w1[i] = dense(w.w1().get(i));
      w2[i] = dense(w.w2().get(i));
      w3[i] = dense(w.w3().get(i));
      rmsAtt[i] = toDouble(w.rmsAtt().get(i));
      rmsFfn[i] = toDouble(w.rmsFfn().get(i));
    }
    rmsFinal = toDouble(w.rmsFinal());
    keys = new double[l][c.seqLen()][];
    values = new double[l][c.seqLen()][];
    extras = w.attention();
  }

  /** Logits after {@code token} at {@code pos}; positions must come in order from 0. */
  double[] forward(int token, int pos) {
    double[] x = embedding[token].clone();
    int hs = c.headSize();
    for (int l = 0; l < c.layers(); l++) {
      double[] h = norm(x, rmsAtt[l]);
      double[] q = mul(wq[l], h);
      double[] k = mul(wk[l], h);
      double[] v = mul(wv[l], h);
      if (extras.hasBiases()) {
        addTo(q, extras.qBias().get(l));
        addTo(k, extras.kBias().get(l));
        addTo(v, extras.vBias().get(l));
      }
      if (extras.hasHeadNorms()) {
        q = perHead(q, toDouble(extras.qNorm().get(l)));
        k = perHead(k, toDouble(extras.kNorm().get(l)));
      }
      rope(q, pos);
      rope(k, pos);
      keys[l][pos] = k;
      values[l][pos] = v;
      double[] out = new double[c.qDim()];
      for (int head = 0; head < c.heads(); head++) {
        int kvHead = head / (c.heads() / c.kvHeads());
        double[] scores = new double[pos + 1];
        double max = Double.NEGATIVE_INFINITY;
        for (int t = 0; t <= pos; t++) {
          double s = 0;
          for (int i = 0; i < hs; i++) {
            s += q[head * hs + i] * keys[l][t][kvHead * hs + i];
          }
          scores[t] = s / Math.sqrt(hs);
          max = Math.max(max, scores[t]);
        }
        double sum = 0;
        for (int t = 0; t <= pos; t++) {
          scores[t] = Math.exp(scores[t] - max);
          sum += scores[t];
        }
        for (int t = 0; t <= pos; t++) {
          for (int i = 0; i < hs; i++) {
            out[head * hs + i] += scores[t] / sum * values[l][t][kvHead * hs + i];
          }
        }
      }
      double[] attn = mul(wo[l], out);
      for (int i = 0; i < x.length; i++) {
        x[i] += attn[i];
      }
      double[] f = norm(x, rmsFfn[l]);
      double[] gate = mul(w1[l], f);
      double[] up = mul(w3[l], f);
      for (int i = 0; i < gate.length; i++) {
        double silu = gate[i] / (1 + Math.exp(-gate[i]));
        gate[i] = silu * up[i];
      }
      double[] down = mul(w2[l], gate);
      for (int i = 0; i < x.length; i++) {
        x[i] += down[i];
      }
    }
    return mul(classifier, norm(x, rmsFinal));
  }

  private void rope(double[] v, int pos) {
    int hs = c.headSize();
    for (int head = 0; head < v.length / hs; head++) {
      for (int pair = 0; pair < hs / 2; pair++) {
        double angle = pos * Math.pow(c.ropeTheta(), -2.0 * pair / hs);
        if (extras.ropeFreqs() != null) {
          angle /= extras.ropeFreqs()[pair];
        }
        int i = c.architecture().neoxRope() ? head * hs + pair : head * hs + 2 * pair;
        int j = c.architecture().neoxRope() ? i + hs / 2 : i + 1;
        double a = v[i];
        double b = v[j];
        v[i] = a * Math.cos(angle) - b * Math.sin(angle);
        v[j] = a * Math.sin(angle) + b * Math.cos(angle);
      }
    }
  }

  /** Each head of {@code v} RMS-normalized with {@code weight}. */
  private double[] perHead(double[] v, double[] weight) {
    double[] out = new double[v.length];
    for (int off = 0; off < v.length; off += weight.length) {
      double[] head = norm(java.util.Arrays.copyOfRange(v, off, off + weight.length), weight);
      System.arraycopy(head, 0, out, off, head.length);
    }
    return out;
  }

  private static void addTo(double[] acc, float[] delta) {
    for (int i = 0; i < acc.length; i++) {
      acc[i] += delta[i];
    }
  }

  private double[] norm(double[] x, double[] weight) {
    double ss = 0;
    for (double v : x) {
      ss += v * v;
    }
    double scale = 1 / Math.sqrt(ss / x.length + c.rmsEps());
    double[] out = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = weight[i] * x[i] * scale;
    }
    return out;
  }

  private static double[] mul(double[][] m, double[] x) {
    double[] out = new double[m.length];
    for (int r = 0; r < m.length; r++) {
      double s = 0;
      for (int i = 0; i < x.length; i++) {
        s += m[r][i] * x[i];
      }
      out[r] = s;
    }
    return out;
  }

  private static double[][] dense(WeightMatrix m) {
    double[][] out = new double[m.rows()][];
    float[] row = new float[m.cols()];
    for (int r = 0; r < m.rows(); r++) {
      m.row(r, row);
      out[r] = toDouble(row);
    }
    return out;
  }

  private static double[] toDouble(float[] v) {
    double[] out = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i];
    }
    return out;
  }
}
