package dev.wasmgrid.llm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wasmgrid.llm.gguf.GgufModels;
import dev.wasmgrid.llm.io.ArrayByteSource;
import dev.wasmgrid.llm.jvm.ModelFiles;
import dev.wasmgrid.llm.jvm.VectorCompute;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Greedy generations of the llama.cpp fixtures against llama.cpp's reference runs (F32 weights, F32
 * activations, F32 K/V cache), every id, on both compute paths: a qwen2 model (q/k/v biases, NEOX
 * rotation, rope base 1e6, tied classifier) and a llama one with a Llama 3 vocabulary (rope base
 * 500000); and on the fast path from the file memory-mapped, as {@code generate} opens it, where
 * the native kernels multiply the F32 matrices from the mapping. The qwen2 chat prompt ends at
 * {@code <|im_end|>}, which no key names as the end of a turn: its text does.
 */
class FixtureGenerationTest {

  @TempDir Path dir;

  /** A model, where it was loaded from, and the compute to run it on. */
  private record Run(Model model, String from, Supplier<Compute> compute) {}

  @Test
  void qwen2GeneratesLlamaCppsTokens() throws IOException {
    agree(Fixtures.QWEN2, 3);
  }

  @Test
  void llama3VocabularyModelGeneratesLlamaCppsTokens() throws IOException {
    agree(Fixtures.LLAMA3, 4);
  }

  @Test
  void hyperParametersComeFromTheArchitecturesKeys() {
    LlamaConfig qwen = load(Fixtures.QWEN2).config();
    assertThat(qwen.architecture()).isEqualTo(Architecture.QWEN2);
    assertThat(qwen.ropeTheta()).isEqualTo(1e6f);
    assertThat(qwen.rmsEps()).isEqualTo(1e-6f);
    Model llama = load(Fixtures.LLAMA3);
    assertThat(llama.config().architecture()).isEqualTo(Architecture.LLAMA);
    assertThat(llama.config().ropeTheta()).isEqualTo(5e5f);
    assertThat(llama.weights().classifier()).isSameAs(llama.weights().tokenEmbedding());
  }

  private void agree(String file, int runsExpected) throws IOException {
    Model model = load(file);
    Path copy = dir.resolve(Path.of(file).getFileName().toString());
    Files.write(copy, Fixtures.bytes(file));
    Model mapped = ModelFiles.load(copy, null);
    assertThat(mapped.weights().wq().getFirst())
        .isInstanceOf(
            VectorCompute.nativeTypes().contains(TensorType.F32)
                ? PackedMatrix.class
                : F32Matrix.class);
    JsonNode expected = Fixtures.expected(file);
    assertThat(model.vocabulary().stops())
        .containsExactlyInAnyOrder(Fixtures.ids(expected.get("eog_ids")));
    List<Run> paths =
        List.of(
            new Run(model, "an array", ScalarCompute::new),
            new Run(model, "an array", () -> new VectorCompute(2)),
            new Run(mapped, "the mapping", () -> new VectorCompute(1)),
            new Run(mapped, "the mapping", () -> new VectorCompute(2)));
    int runs = 0;
    for (JsonNode run : expected.get("runs")) {
      JsonNode reference = run.get("reference");
      if (reference.isNull()) {
        continue; // the empty qwen2 prompt: no tokens, nothing llama.cpp could decode
      }
      assertThat(reference.get("kind").asText()).startsWith("reference: ").contains("-kvf32");
      runs++;
      String prompt = run.get("prompt").asText();
      int[] promptIds = new Tokenizer(model.vocabulary()).encode(prompt, true, true);
      assertThat(promptIds).containsExactly(Fixtures.ids(run.get("prompt_ids")));
      int[] ids = Fixtures.ids(reference.get("ids"));
      boolean stopped = reference.get("stopped_at_eog").asBoolean();
      for (Run path : paths) {
        try (LanguageModel lm = new LanguageModel(path.model(), path.compute().get())) {
          // Past the stop ids, the first are llama.cpp's (which stops at one).
          List<Integer> all = generate(lm, promptIds, GenerationConfig.greedy(48), true);
          assertThat(all).hasSize(48);
          assertThat(all.subList(0, ids.length))
              .as("'%s' on %s from %s", prompt, lm.modelInfo().compute(), path.from())
              .containsExactly(box(ids));
          List<Integer> ended = generate(lm, promptIds, GenerationConfig.greedy(48), false);
          // A generation that reaches an end-of-generation id stops before it.
          int kept = stopped ? ids.length - 1 : ids.length;
          assertThat(ended).containsExactly(box(Arrays.copyOf(ids, kept)));
        }
      }
    }
    assertThat(runs).isEqualTo(runsExpected);
  }

  /** The ids {@link Generation#next()} yields; with {@code ignoreEos} the stop ids too. */
  private static List<Integer> generate(
      LanguageModel lm, int[] prompt, GenerationConfig cfg, boolean ignoreEos) {
    List<Integer> ids = new ArrayList<>();
    try (Generation g = lm.start(prompt, cfg.withIgnoreEos(ignoreEos))) {
      for (TokenPiece p = g.next(); p != null; p = g.next()) {
        ids.add(p.id());
      }
      if (!ignoreEos && ids.size() < cfg.maxTokens()) {
        assertThat(g.stats().stopReason()).isEqualTo("eos");
      }
    }
    return ids;
  }

  private static Model load(String file) {
    return GgufModels.load(new ArrayByteSource(Fixtures.bytes(file)));
  }

  private static Integer[] box(int[] ids) {
    return Arrays.stream(ids).boxed().toArray(Integer[]::new);
  }
}
