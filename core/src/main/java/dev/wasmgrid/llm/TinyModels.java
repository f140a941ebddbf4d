package dev.wasmgrid.llm;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Test models: seeded random weights of any Llama shape, and a small SentencePiece-style vocabulary
 * (the three specials, the 256 byte-fallback tokens, printable ASCII and a few hundred English
 * merges) padded to any size. Same seed, same weights, in every format.
 */
public final class TinyModels {

  private static final String[] WORDS = {
    " the", " a", " and", " to", " of", " once", " upon", " time", " there", " was", " little",
    " girl", " boy", " she", " he", " it", " in", " on", " with", " her", " his", " they", " day",
    " dog", " cat", " happy", " play", " said", " big", " tree", " sun", " friend", " mom", " saw",
    " went", " wanted", " named", " very", " park", " ball", " bird", " loved", " home", "ing",
    "ed", "er", "ly", " lily", " tim", " ben", " sky", " fun", " run", " jump", " look", " help"
  };

  private static final String HEX = "0123456789ABCDEF";

  private TinyModels() {}

  /**
   * The tiny shape the tests use: dim 64, hidden 192, 2 layers, 4 query heads sharing 2 key/value
   * heads (so grouped-query attention is exercised), context 128, vocabulary {@link
   * #vocabulary(int)} at its natural size.
   */
  public static LlamaConfig tinyConfig() {
    return LlamaConfig.of(64, 192, 2, 4, 2, vocabulary(0).size(), 128);
  }

  /**
   * The test vocabulary: {@code <unk>}, {@code <s>}, {@code </s>}, {@code <0x00>..<0xFF>},
   * printable ASCII, then merges (every prefix of the listed words, best first), then {@code
   * <extra_N>} tokens up to {@code minSize}.
   */
  public static Vocabulary vocabulary(int minSize) {
    List<String> tokens = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
    for (int b = 0; b < 256; b++) {
      tokens.add("<0x" + HEX.charAt(b >> 4) + HEX.charAt(b & 15) + ">");
    }
    for (char ch = ' '; ch <= '~'; ch++) {
      tokens.add(String.valueOf(ch));
    }
    int singles = tokens.size();
    LinkedHashSet<String> merges = new LinkedHashSet<>();
    for (String w : WORDS) {
      for (int end = 2; end <= w.length(); end++) {
        merges.add(w.substring(0, end));
      }
    }
    merges.removeAll(tokens);
    tokens.addAll(merges);
    int natural = tokens.size();
    for (int i = natural; i < minSize; i++) {
      tokens.add("<extra_" + i + ">");
    }
    float[] scores = new float[tokens.size()];
    for (int i = singles; i < natural; i++) {
      // Shorter merges first: a word's prefixes must form before the word.
      scores[i] = -tokens.get(i).length() * 1000f - (i - singles);
    }
    for (int i = natural; i < scores.length; i++) {
      scores[i] = -1e6f;
    }
    return new Vocabulary(tokens, scores, Vocabulary.guessTypes(tokens, 1, 2), 1, 2);
  }

  /**
   * Random weights: matrices uniform in ±1/√in (classifier ±4/√in, so the next token stands out
   * clearly), norm weights near 1.
   *
   * @param sharedClassifier whether the classifier is the token embedding
   */
  public static FloatWeights randomWeights(LlamaConfig c, long seed, boolean sharedClassifier) {
    SplitMix64 r = new SplitMix64(seed);
    int l = c.layers();
    int dim = c.dim();
    float[][] rmsAtt = new float[l][];
    float[][] rmsFfn = new float[l][];
    float[][] wq = new float[l][];
    float[][] wk = new float[l][];
    float[][] wv = new float[l][];
    float[][] wo = new float[l][];
    float[][] w1 = new float[l][];
    float[][] w2 = new float[l][];
    float[][] w3 = new float[l][];
    float[] embedding = uniform(r, c.vocabSize() * dim, 1f);
    for (int i = 0; i < l; i++) {
      rmsAtt[i] = norm(r, dim);
      wq[i] = matrix(r, c.qDim(), dim);
      wk[i] = matrix(r, c.kvDim(), dim);
      wv[i] = matrix(r, c.kvDim(), dim);
      wo[i] = matrix(r, dim, c.qDim());
      rmsFfn[i] = norm(r, dim);
      w1[i] = matrix(r, c.hiddenDim(), dim);
      w2[i] = matrix(r, dim, c.hiddenDim());
      w3[i] = matrix(r, c.hiddenDim(), dim);
    }
    float[] rmsFinal = norm(r, dim);
    float[] classifier =
        sharedClassifier ? null : uniform(r, c.vocabSize() * dim, 4f / (float) Math.sqrt(dim));
    return new FloatWeights(
        c, embedding, rmsAtt, wq, wk, wv, wo, rmsFfn, w1, w2, w3, rmsFinal, classifier);
  }

  /** A model held in memory, encoded as {@code dtype}, with {@link #vocabulary(int)}. */
  public static Model model(LlamaConfig c, TensorType dtype, long seed) {
    return model(c, dtype, seed, false);
  }

  /** {@link #model(LlamaConfig, TensorType, long)}, the classifier shared or not. */
  public static Model model(LlamaConfig c, TensorType dtype, long seed, boolean sharedClassifier) {
    FloatWeights w = randomWeights(c, seed, sharedClassifier);
    return new Model(c, w.encode(dtype), vocabulary(c.vocabSize()), "memory", dtype);
  }

  /** {@code n} values uniform in ±{@code scale}, the same for the same seed everywhere. */
  public static float[] uniform(long seed, int n, float scale) {
    return uniform(new SplitMix64(seed), n, scale);
  }

  private static float[] matrix(SplitMix64 r, int rows, int cols) {
    return uniform(r, rows * cols, 1f / (float) Math.sqrt(cols));
  }

  private static float[] norm(SplitMix64 r, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = 1f + (float) (r.nextDouble() - 0.5) * 0.2f;
    }
    return v;
  }

  private static float[] uniform(SplitMix64 r, int n, float scale) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (r.nextDouble() * 2 - 1) * scale;
    }
    return v;
  }
}
