package dev.wasmgrid.llm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.llm.jvm.VectorCompute;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Generations running at once on one model, their steps sharing passes, give exactly the tokens of
 * each prompt run alone, whether greedy or sampled, joining and leaving at different steps.
 */
class ConcurrentStreamsTest {
  private static final Model MODEL = TinyModels.model(TinyModels.tinyConfig(), TensorType.Q8_0, 9);
  private static final String[] PROMPTS = {
    "the cat",
    "a dog ran over the hill and then",
    "once upon a time there was a little bird who lived in a tree by the river and sang",
    "hello",
    "x y z",
    "in the morning the sun rose over the sea",
  };
  private static final int[] MAX_TOKENS = {24, 6, 30, 15, 40, 9};

  private static GenerationConfig config(int i, boolean sampled) {
    GenerationConfig c =
        GenerationConfig.greedy(MAX_TOKENS[i]).withIgnoreEos(true).withStop(List.of());
    return sampled ? c.withTemperature(0.9f).withTopK(40).withSeed(100 + i) : c;
  }

  private static List<Integer> tokens(Generation g) {
    List<Integer> out = new ArrayList<>();
    try (g) {
      for (TokenPiece p = g.next(); p != null; p = g.next()) {
        out.add(p.id());
      }
    }
    return out;
  }

  /**
   * Callers that read at different paces (their generations run ahead of them, up to the bound, in
   * the others' passes) and callers that close after a few tokens: every stream still gets the
   * tokens it gets alone, or their start, and the slots serve a second round.
   */
  @Test
  void streamsReadAtTheirOwnPaceOrClosedEarlyGiveTheTokensOfEachPromptAlone() throws Exception {
    int n = PROMPTS.length;
    List<List<Integer>> expected = new ArrayList<>();
    try (LanguageModel alone = new LanguageModel(MODEL, new VectorCompute(2))) {
      for (int i = 0; i < n; i++) {
        expected.add(tokens(alone.start(PROMPTS[i], config(i, true))));
      }
    }
    ExecutorService threads = Executors.newFixedThreadPool(n);
    try (LanguageModel shared = new LanguageModel(MODEL, new VectorCompute(2), n)) {
      for (int round = 0; round < 2; round++) {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<List<Integer>>> actual = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          int s = i;
          int keep = s % 3 == 1 ? 3 : Integer.MAX_VALUE;
          actual.add(
              threads.submit(
                  () -> {
                    go.await();
                    List<Integer> out = new ArrayList<>();
                    try (Generation g = shared.start(PROMPTS[s], config(s, true))) {
                      for (TokenPiece p = g.next(); p != null && out.size() < keep; ) {
                        out.add(p.id());
                        busy(200_000L * (s % 3));
                        p = out.size() < keep ? g.next() : null;
                      }
                    }
                    return out;
                  }));
        }
        go.countDown();
        for (int i = 0; i < n; i++) {
          List<Integer> want = expected.get(i);
          if (i % 3 == 1) {
            want = want.subList(0, 3);
          }
          assertThat(actual.get(i).get(60, TimeUnit.SECONDS))
              .as("round %d stream %d", round, i)
              .isEqualTo(want);
        }
      }
    } finally {
      threads.shutdownNow();
    }
  }

  /** Keeps the thread busy for about {@code nanos}: a reader slower than the passes. */
  private static void busy(long nanos) {
    long end = System.nanoTime() + nanos;
    while (System.nanoTime() < end) {
      Thread.onSpinWait();
    }
  }

  @ParameterizedTest(name = "sampled {0}")
  @ValueSource(booleans = {false, true})
  void concurrentStreamsGiveTheTokensOfEachPromptAlone(boolean sampled) throws Exception {
    int n = PROMPTS.length;
    List<List<Integer>> expected = new ArrayList<>();
    try (LanguageModel alone = new LanguageModel(MODEL, new VectorCompute(2))) {
      for (int i = 0; i < n; i++) {
        expected.add(tokens(alone.start(PROMPTS[i], config(i, sampled))));
      }
    }
    assertThat(PROMPTS[2].length()).as("a prompt over one chunk").isGreaterThan(64);

    // Each stream starts once the one before has two tokens: they join at different steps, and
    // their different lengths make them leave at different steps.
    CountDownLatch[] started = new CountDownLatch[n + 1];
    for (int i = 0; i <= n; i++) {
      started[i] = new CountDownLatch(i == 0 ? 0 : 1);
    }
    ExecutorService threads = Executors.newFixedThreadPool(n);
    try (LanguageModel shared = new LanguageModel(MODEL, new VectorCompute(2), n)) {
      List<Future<List<Integer>>> actual = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int s = i;
        actual.add(
            threads.submit(
                () -> {
                  started[s].await();
                  List<Integer> out = new ArrayList<>();
                  try (Generation g = shared.start(PROMPTS[s], config(s, sampled))) {
                    for (TokenPiece p = g.next(); p != null; p = g.next()) {
                      out.add(p.id());
                      if (out.size() == 2) {
                        started[s + 1].countDown();
                      }
                    }
                  }
                  return out;
                }));
      }
      for (int i = 0; i < n; i++) {
        assertThat(actual.get(i).get()).as("stream %d", i).isEqualTo(expected.get(i));
      }
    } finally {
      threads.shutdownNow();
    }
  }
}
