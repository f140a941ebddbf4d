package dev.wasmgrid.llm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.llm.gguf.GgufModels;
import dev.wasmgrid.llm.gguf.GgufWriter;
import dev.wasmgrid.llm.llama2c.Llama2cModels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** A generation ends on the first of its model's stop tokens, whichever the format names. */
class StopTokensTest {
  private static final int MAX_TOKENS = 100;
  private static final int SEEDS = 30;
  private static final int END_OF_TURN = 40;

  @Test
  void llama2cStoriesEndOnBos() {
    FloatWeights w = flatWeights();
    Model m =
        Llama2cModels.load(
            TestModels.source(TestModels.llama2c(w, false)),
            TestModels.source(TestModels.tokenizerBin(TestModels.vocabulary())));
    assertThat(m.vocabulary().stops()).containsExactlyInAnyOrder(1, 2);
    assertThat(endings(m)).contains(1);
  }

  @Test
  void ggufModelsEndOnEosOrEndOfTurn() throws IOException {
    FloatWeights w = flatWeights();
    Vocabulary v = TestModels.vocabulary();
    float[] scores = new float[v.size()];
    int[] types = new int[v.size()];
    for (int i = 0; i < v.size(); i++) {
      scores[i] = v.score(i);
      types[i] = v.type(i);
    }
    Vocabulary chat = new Vocabulary(v.tokens(), scores, types, 1, 2, new int[] {2, END_OF_TURN});
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    GgufWriter.write(w, chat, TensorType.F32, out);
    Model m = GgufModels.load(TestModels.source(out.toByteArray()));
    assertThat(m.vocabulary().stops()).containsExactlyInAnyOrder(2, END_OF_TURN);
    assertThat(endings(m)).contains(2, END_OF_TURN);

    Model plain = GgufModels.load(TestModels.source(TestModels.gguf(w, TensorType.F32)));
    assertThat(plain.vocabulary().stops()).containsExactly(2);
  }

  /**
   * Generates from many seeds, once past the stop tokens and once not; checks that each stopping
   * generation is the other's tokens up to its first stop token, ended with reason {@code eos}, and
   * returns the stop tokens that ended one.
   */
  private static Set<Integer> endings(Model m) {
    Set<Integer> endings = new TreeSet<>();
    try (LanguageModel lm = new LanguageModel(m, new ScalarCompute())) {
      for (int seed = 1; seed <= SEEDS; seed++) {
        GenerationConfig cfg =
            GenerationConfig.defaults()
                .withMaxTokens(MAX_TOKENS)
                .withTemperature(1)
                .withTopP(0)
                .withSeed(seed)
                .withIgnoreEos(true);
        List<Integer> all = TestModels.tokens(lm, "Once upon a time", cfg);
        int end = 0;
        while (end < all.size() && !m.vocabulary().isStop(all.get(end))) {
          end++;
        }
        List<Integer> stopped = new ArrayList<>();
        GenerationStats stats =
            lm.stream(
                "Once upon a time",
                cfg.withIgnoreEos(false),
                p -> {
                  stopped.add(p.id());
                  return true;
                });
        // The stop token itself comes back only carrying text held back before it.
        stopped.removeIf(m.vocabulary()::isStop);
        assertThat(stopped).as("seed %d", seed).isEqualTo(all.subList(0, end));
        assertThat(stats.tokens()).isEqualTo(end);
        if (end < all.size()) {
          assertThat(stats.stopReason()).as("seed %d", seed).isEqualTo("eos");
          endings.add(all.get(end));
        } else {
          assertThat(stats.stopReason()).as("seed %d", seed).isEqualTo("max_tokens");
        }
      }
    }
    return endings;
  }

  /** The tiny model with its classifier scaled down, so every token, stops too, comes up often. */
  private static FloatWeights flatWeights() {
    FloatWeights w = TestModels.weights();
    float[] classifier = w.classifier();
    for (int i = 0; i < classifier.length; i++) {
      classifier[i] *= 0.05f;
    }
    return w;
  }
}
