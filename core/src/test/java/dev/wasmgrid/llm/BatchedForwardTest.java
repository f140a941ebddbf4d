package dev.wasmgrid.llm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.llm.jvm.VectorCompute;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A batched pass — a prompt's positions at once, or several sequences' next positions at once —
 * gives every entry the same logits and cache, bit for bit, as running it alone, on every compute
 * path and for every way weights are held (floats, widened bytes, packed blocks of each llama.cpp
 * type).
 */
class BatchedForwardTest {
  private static final int LENGTH = 24;

  @TempDir static Path dir;

  static Stream<Arguments> models() throws IOException {
    FloatWeights w = TestModels.weights();
    Stream<Arguments> arrays =
        Stream.of(TensorType.F32, TensorType.Q8_0)
            .map(t -> Arguments.of("array " + t, TinyModels.model(w.config(), t, 7, false)));
    Stream<Arguments> mapped =
        LlamaCppFixtures.SUPPORTED.stream().map(t -> Arguments.of("mapped " + t, mapped(t)));
    return Stream.concat(arrays, mapped);
  }

  private static Model mapped(String type) {
    try {
      return LlamaCppFixtures.mapped(dir, type);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<Supplier<Compute>> computes() {
    return List.of(ScalarCompute::new, () -> new VectorCompute(1), () -> new VectorCompute(3));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void aPromptRunInOnePassMatchesItsPositionsOneByOne(String name, Model model) {
    int[] tokens = tokens(model, 1);
    float[] reference = null;
    for (Supplier<Compute> make : computes()) {
      try (Compute compute = make.get()) {
        Transformer t = new Transformer(model.config(), model.weights(), compute);
        KvCache alone = t.newCache();
        for (int pos = 0; pos < LENGTH; pos++) {
          t.forward(alone, tokens[pos], pos);
        }
        KvCache batched = t.newCache();
        ForwardBatch batch = new ForwardBatch();
        for (int pos = 0; pos < LENGTH; pos++) {
          batch.add(batched, tokens[pos], pos, pos == LENGTH - 1);
        }
        t.forward(batch);
        assertThat(batched.logits()).as(compute.name()).containsExactly(alone.logits());
        assertSameCache(model.config(), alone, batched);
        if (!(compute instanceof ScalarCompute)) {
          // The fast path's rows do not depend on the thread that sums them.
          if (reference == null) {
            reference = alone.logits().clone();
          } else {
            assertThat(alone.logits()).as(compute.name()).containsExactly(reference);
          }
        }
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void sequencesSharingPassesMatchEachRunAlone(String name, Model model) {
    int streams = 7;
    try (Compute compute = new VectorCompute(2)) {
      Transformer t = new Transformer(model.config(), model.weights(), compute);
      KvCache[] shared = new KvCache[streams];
      int[][] tokens = new int[streams][];
      for (int s = 0; s < streams; s++) {
        shared[s] = t.newCache();
        tokens[s] = tokens(model, 11 + s);
      }
      float[][][] sharedLogits = new float[streams][LENGTH][];
      ForwardBatch batch = new ForwardBatch();
      for (int pos = 0; pos < LENGTH; pos++) {
        batch.clear();
        // Streams join one step after another, as requests arriving while others decode.
        for (int s = 0; s < streams && s <= pos; s++) {
          batch.add(shared[s], tokens[s][pos - s], pos - s, true);
        }
        t.forward(batch);
        for (int s = 0; s < streams && s <= pos; s++) {
          sharedLogits[s][pos - s] = shared[s].logits().clone();
        }
      }
      for (int s = 0; s < streams; s++) {
        KvCache alone = t.newCache();
        for (int pos = 0; pos < LENGTH - s; pos++) {
          float[] logits = t.forward(alone, tokens[s][pos], pos);
          assertThat(logits)
              .as("stream %d position %d", s, pos)
              .containsExactly(sharedLogits[s][pos]);
        }
      }
    }
  }

  private static int[] tokens(Model model, int seed) {
    int[] tokens = new int[LENGTH];
    int vocab = model.config().vocabSize();
    for (int i = 0; i < LENGTH; i++) {
      tokens[i] = (int) ((i * 7919L + seed * 104729L) % vocab);
    }
    return tokens;
  }

  private static void assertSameCache(LlamaConfig c, KvCache a, KvCache b) {
    int n = LENGTH * c.kvDim();
    float[] expected = new float[n];
    float[] actual = new float[n];
    for (int l = 0; l < c.layers(); l++) {
      for (boolean values : new boolean[] {false, true}) {
        a.read(l, values, expected, n);
        b.read(l, values, actual, n);
        assertThat(actual).containsExactly(expected);
      }
    }
  }
}
