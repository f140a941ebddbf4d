package dev.wasmgrid.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wasmgrid.llm.gguf.GgufModels;
import dev.wasmgrid.llm.gguf.GgufWriter;
import dev.wasmgrid.llm.io.ArrayByteSource;
import dev.wasmgrid.llm.jvm.VectorCompute;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * Qwen3's head norms and Llama 3's rope scaling, which no llama.cpp fixture has: models written by
 * {@link GgufWriter} and read back, checked against {@link ReferenceForward} (a float64 pass
 * written apart from the {@link Transformer}) and against properties the maths implies.
 */
class ArchitecturesTest {
  private static final int VOCAB = TinyModels.vocabulary(0).size();
  private static final long SEED = 31;

  /** As in {@link ForwardPassTest}: float sums against double ones. */
  private static final Offset<Double> TOLERANCE = Offset.offset(1e-3);

  private static final int[] TOKENS = {1, 300, 45, 99, 7, 410, 12, 300, 3, 250, 60, 61, 62, 63};

  @Test
  void qwen3ReadsBackWithItsWideHeadsAndHeadNorms() {
    FloatWeights w = qwen3(SEED);
    Model m = roundTrip(w);
    LlamaConfig c = m.config();
    assertThat(c.architecture()).isEqualTo(Architecture.QWEN3);
    assertThat(c.headSize()).isEqualTo(32);
    assertThat(c.qDim()).isEqualTo(128).isNotEqualTo(c.dim());
    assertThat(m.weights().attention().qNorm().get(1))
        .containsExactly(w.attention().qNorm().get(1));
    assertThat(m.weights().attention().kNorm().get(0))
        .containsExactly(w.attention().kNorm().get(0));
  }

  @Test
  void qwen3MatchesTheReferencePass() {
    agreeWithReference(roundTrip(qwen3(SEED)));
  }

  @Test
  void qwen3HeadNormsMakeTheQueryAndKeyScaleIrrelevant() {
    // RMSNorm of each head of q and k takes out their scale: q and k times 8 give the same logits
    // (up to the epsilon, small beside the heads' mean squares). Llama's attention has no such
    // norm, and the same change multiplies its attention scores by 64, so this shows the norms are
    // applied where the maths puts them.
    FloatWeights w = qwen3(SEED);
    assertThat(maxDifference(roundTrip(w), roundTrip(scaleQk(w, 8f)))).isLessThan(1e-4);
    FloatWeights plain = llama(SEED, null);
    assertThat(maxDifference(roundTrip(plain), roundTrip(scaleQk(plain, 8f)))).isGreaterThan(0.1);
  }

  @Test
  void qwen3WithoutHeadNormsIsRefusedNamingTheTensor() {
    FloatWeights w = qwen3(SEED).withAttention(AttentionExtras.NONE);
    assertThatThrownBy(() -> roundTrip(w))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("blk.0.attn_q_norm.weight");
  }

  @Test
  void llama3RopeFactorsReadBackAndMatchTheReferencePass() {
    float[] factors = llama3RopeFactors(16, 5e5, 8, 1, 4, 256);
    // The formula's three cases: pairs kept (1), scaled by the whole factor (8), and in between.
    assertThat(factors).contains(1f, 8f);
    boolean blended = false;
    for (float f : factors) {
      blended |= f > 1 && f < 8;
    }
    assertThat(blended).isTrue();
    Model scaled = roundTrip(llama(SEED, factors));
    assertThat(scaled.weights().attention().ropeFreqs()).containsExactly(factors);
    assertThat(scaled.config().ropeTheta()).isEqualTo(5e5f);
    agreeWithReference(scaled);
    // And the factors matter: the same model unscaled has other logits.
    assertThat(maxDifference(scaled, roundTrip(llama(SEED, null)))).isGreaterThan(1e-3);
  }

  @Test
  void qwen2BiasesMatchTheReferencePass() {
    LlamaConfig c =
        new LlamaConfig(64, 192, 2, 4, 2, VOCAB, 64, 1e-6f, 1e6f, 16, Architecture.QWEN2);
    SplitMix64 r = new SplitMix64(SEED + 7);
    List<float[]> qb = new ArrayList<>();
    List<float[]> kb = new ArrayList<>();
    List<float[]> vb = new ArrayList<>();
    for (int l = 0; l < c.layers(); l++) {
      qb.add(uniform(r, c.qDim(), 0.5f, 0));
      kb.add(uniform(r, c.kvDim(), 0.5f, 0));
      vb.add(uniform(r, c.kvDim(), 0.5f, 0));
    }
    FloatWeights w =
        TinyModels.randomWeights(c, SEED, true)
            .withAttention(new AttentionExtras(qb, kb, vb, List.of(), List.of(), null));
    Model m = roundTrip(w);
    assertThat(m.weights().attention().vBias().get(1)).containsExactly(vb.get(1));
    agreeWithReference(m);
  }

  /** A qwen3 shape: dim 64, 4 heads of 32 (so q is wider than the residual), 2 key/value heads. */
  private static FloatWeights qwen3(long seed) {
    LlamaConfig c =
        new LlamaConfig(64, 192, 2, 4, 2, VOCAB, 64, 1e-6f, 1e6f, 32, Architecture.QWEN3);
    SplitMix64 r = new SplitMix64(seed + 1);
    List<float[]> qNorm = new ArrayList<>();
    List<float[]> kNorm = new ArrayList<>();
    for (int l = 0; l < c.layers(); l++) {
      // Far from 1, so that a norm left out or misapplied shows.
      qNorm.add(uniform(r, c.headSize(), 0.7f, 1f));
      kNorm.add(uniform(r, c.headSize(), 0.7f, 1f));
    }
    return TinyModels.randomWeights(c, seed, true)
        .withAttention(new AttentionExtras(List.of(), List.of(), List.of(), qNorm, kNorm, null));
  }

  /** A llama shape with rope base 500000, rope factors {@code factors} (null: none). */
  private static FloatWeights llama(long seed, float[] factors) {
    LlamaConfig c = new LlamaConfig(64, 192, 2, 4, 2, VOCAB, 64, 1e-5f, 5e5f);
    FloatWeights w = TinyModels.randomWeights(c, seed, false);
    return factors == null
        ? w
        : w.withAttention(
            new AttentionExtras(List.of(), List.of(), List.of(), List.of(), List.of(), factors));
  }

  /**
   * Llama 3's rope factors as its converter computes them from {@code rope_scaling}: pairs whose
   * wavelength is short kept, long ones slowed by {@code factor}, a smooth blend in between.
   */
  private static float[] llama3RopeFactors(
      int headSize, double base, double factor, double low, double high, double context) {
    float[] out = new float[headSize / 2];
    for (int i = 0; i < out.length; i++) {
      double wavelength = 2 * Math.PI * Math.pow(base, 2.0 * i / headSize);
      if (wavelength < context / high) {
        out[i] = 1;
      } else if (wavelength > context / low) {
        out[i] = (float) factor;
      } else {
        double smooth = (context / wavelength - low) / (high - low);
        out[i] = (float) (1 / ((1 - smooth) / factor + smooth));
      }
    }
    return out;
  }

  /** {@code w} with every query and key weight times {@code s}. */
  private static FloatWeights scaleQk(FloatWeights w, float s) {
    float[][] wq = new float[w.wq().length][];
    float[][] wk = new float[w.wk().length][];
    for (int l = 0; l < wq.length; l++) {
      wq[l] = w.wq()[l].clone();
      wk[l] = w.wk()[l].clone();
      for (int i = 0; i < wq[l].length; i++) {
        wq[l][i] *= s;
      }
      for (int i = 0; i < wk[l].length; i++) {
        wk[l][i] *= s;
      }
    }
    return new FloatWeights(
            w.config(),
            w.tokenEmbedding(),
            w.rmsAtt(),
            wq,
            wk,
            w.wv(),
            w.wo(),
            w.rmsFfn(),
            w.w1(),
            w.w2(),
            w.w3(),
            w.rmsFinal(),
            w.classifier())
        .withAttention(w.attention());
  }

  private static Model roundTrip(FloatWeights w) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      GgufWriter.write(w, TinyModels.vocabulary(VOCAB), TensorType.F32, out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return GgufModels.load(new ArrayByteSource(out.toByteArray()));
  }

  private static void agreeWithReference(Model m) {
    ReferenceForward reference = new ReferenceForward(m.config(), m.weights());
    Transformer scalar = new Transformer(m.config(), m.weights(), new ScalarCompute());
    try (VectorCompute vector = new VectorCompute(2, TensorType.F32)) {
      Transformer fast = new Transformer(m.config(), m.weights(), vector);
      for (int pos = 0; pos < TOKENS.length; pos++) {
        double[] expected = reference.forward(TOKENS[pos], pos);
        float[] a = scalar.forward(TOKENS[pos], pos).clone();
        float[] b = fast.forward(TOKENS[pos], pos);
        double scale = 0;
        for (int i = 0; i < expected.length; i++) {
          assertThat((double) a[i])
              .as("scalar pos %d logit %d", pos, i)
              .isCloseTo(expected[i], TOLERANCE);
          assertThat((double) b[i])
              .as("vector pos %d logit %d", pos, i)
              .isCloseTo(expected[i], TOLERANCE);
          scale = Math.max(scale, Math.abs(expected[i]));
        }
        assertThat(scale).isGreaterThan(0.5);
      }
    }
  }

  /** The largest difference between the two models' logits over {@link #TOKENS}. */
  private static double maxDifference(Model a, Model b) {
    Transformer ta = new Transformer(a.config(), a.weights(), new ScalarCompute());
    Transformer tb = new Transformer(b.config(), b.weights(), new ScalarCompute());
    double max = 0;
    for (int pos = 0; pos < TOKENS.length; pos++) {
      float[] la = ta.forward(TOKENS[pos], pos).clone();
      float[] lb = tb.forward(TOKENS[pos], pos);
      for (int i = 0; i < la.length; i++) {
        max = Math.max(max, Math.abs(la[i] - lb[i]));
      }
    }
    return max;
  }

  private static float[] uniform(SplitMix64 r, int n, float spread, float centre) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = centre + (float) (r.nextDouble() * 2 - 1) * spread;
    }
    return v;
  }
}
