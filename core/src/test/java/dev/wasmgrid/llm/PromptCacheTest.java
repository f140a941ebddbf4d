package dev.wasmgrid.llm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.llm.jvm.VectorCompute;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A prompt that starts like one run before reuses its positions and still decodes exactly the
 * tokens it decodes without a cache; the cache keeps to its bound.
 */
class PromptCacheTest {
  private static final Model MODEL = TinyModels.model(TinyModels.tinyConfig(), TensorType.Q8_0, 3);

  @Test
  void aSharedPrefixIsReusedAndTheTokensAreExactlyThoseWithoutTheCache() {
    int[] system = prompt(0, 30);
    int[] first = concat(system, prompt(100, 5));
    int[] second = concat(system, prompt(200, 7));
    GenerationConfig cfg = GenerationConfig.greedy(12).withIgnoreEos(true);
    GenerationConfig sampled = cfg.withTemperature(0.9f).withTopK(40).withTopP(0.95f).withSeed(77L);
    PromptCache cache = new PromptCache(64L << 20);
    try (LanguageModel cached = new LanguageModel(MODEL, new VectorCompute(2), cache);
        LanguageModel plain = new LanguageModel(MODEL, new VectorCompute(2))) {
      assertThat(run(cached, first, cfg)).isEqualTo(run(plain, first, cfg));
      assertThat(cache.stats().hits()).isZero();
      try (Generation g = cached.start(second, sampled)) {
        assertThat(g.reusedPromptTokens()).isEqualTo(system.length);
      }
      assertThat(run(cached, second, sampled)).isEqualTo(run(plain, second, sampled));
      assertThat(cache.stats().hits()).isEqualTo(2);
    }
  }

  @Test
  void aNewPromptIsKeptAtOnceAndOneExtendingAKeptSequenceWhenItsGenerationCloses() {
    GenerationConfig cfg = GenerationConfig.greedy(3).withIgnoreEos(true);
    PromptCache cache = new PromptCache(64L << 20);
    try (LanguageModel cached = new LanguageModel(MODEL, new VectorCompute(1), cache)) {
      int[] system = prompt(0, 24);
      try (Generation g = cached.start(system, cfg)) {
        g.next();
        assertThat(cache.stats().sequences()).as("kept before it closes").isEqualTo(1);
      }
      long kept = cache.stats().bytes();
      int[] question = concat(system, prompt(300, 6));
      try (Generation g = cached.start(question, cfg)) {
        g.next();
        assertThat(g.reusedPromptTokens()).isPositive();
        // Its own tokens are not copied before its first token.
        assertThat(cache.stats().bytes()).isEqualTo(kept);
      }
      assertThat(cache.stats().bytes()).as("kept with its answer on close").isGreaterThan(kept);
    }
  }

  @Test
  void aChatsNextTurnReusesThePreviousTurnAndItsAnswer() {
    GenerationConfig cfg = GenerationConfig.greedy(10).withIgnoreEos(true);
    PromptCache cache = new PromptCache(64L << 20);
    try (LanguageModel cached = new LanguageModel(MODEL, new VectorCompute(1), cache);
        LanguageModel plain = new LanguageModel(MODEL, new VectorCompute(1))) {
      int[] turn1 = prompt(5, 20);
      List<Integer> answer = run(cached, turn1, cfg);
      int[] turn2 = concat(concat(turn1, answer.stream().mapToInt(i -> i).toArray()), prompt(9, 4));
      try (Generation g = cached.start(turn2, cfg)) {
        // The answer's last token was sampled but never run, so its position is not kept.
        assertThat(g.reusedPromptTokens()).isEqualTo(turn1.length + answer.size() - 1);
      }
      assertThat(run(cached, turn2, cfg)).isEqualTo(run(plain, turn2, cfg));
    }
  }

  @Test
  void theLeastRecentlyUsedSequencesGoFirstAndTheBoundHolds() {
    LlamaConfig c = MODEL.config();
    long perPosition = 2L * c.layers() * c.kvDim() * Float.BYTES;
    PromptCache cache = new PromptCache(50 * perPosition);
    GenerationConfig cfg = GenerationConfig.greedy(1).withIgnoreEos(true);
    try (LanguageModel lm = new LanguageModel(MODEL, new ScalarCompute(), cache)) {
      int[] a = prompt(1, 20);
      int[] b = prompt(2, 20);
      run(lm, a, cfg);
      run(lm, b, cfg);
      assertThat(cache.stats().sequences()).isEqualTo(2);
      run(lm, concat(a, prompt(3, 2)), cfg); // uses a, so b is now the eldest
      run(lm, prompt(4, 20), cfg);
      assertThat(cache.stats().bytes()).isLessThanOrEqualTo(50 * perPosition);
      try (Generation g = lm.start(concat(b, prompt(5, 1)), cfg)) {
        assertThat(g.reusedPromptTokens()).as("b was evicted").isZero();
      }
      try (Generation g = lm.start(concat(a, prompt(6, 1)), cfg)) {
        assertThat(g.reusedPromptTokens()).isEqualTo(a.length);
      }
    }
    assertThat(new PromptCache(0).stats().sequences()).isZero();
  }

  private static List<Integer> run(LanguageModel lm, int[] prompt, GenerationConfig cfg) {
    try (Generation g = lm.start(prompt, cfg)) {
      List<Integer> out = new java.util.ArrayList<>();
      for (TokenPiece p = g.next(); p != null; p = g.next()) {
        out.add(p.id());
      }
      return out;
    }
  }

  private static int[] prompt(int seed, int n) {
    int vocab = MODEL.config().vocabSize();
    return IntStream.range(0, n)
        .map(i -> (int) ((seed * 7919L + i * 104729L) % (vocab - 3)) + 3)
        .toArray();
  }

  private static int[] concat(int[] a, int[] b) {
    int[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
