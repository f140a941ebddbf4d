package dev.wasmgrid.llm.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wasmgrid.llm.Fixtures;
import dev.wasmgrid.llm.GenerationConfig;
import dev.wasmgrid.llm.GenerationStats;
import dev.wasmgrid.llm.LanguageModel;
import dev.wasmgrid.llm.Model;
import dev.wasmgrid.llm.ModelFormatException;
import dev.wasmgrid.llm.ScalarCompute;
import dev.wasmgrid.llm.Tokenizer;
import dev.wasmgrid.llm.Transformer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the GGUF metadata decides beyond the shapes, on the llama.cpp fixtures with keys changed:
 * the architecture and tokenizer (refused by name when unknown), the BOS/EOS flags, end-of-message
 * ids, rope scaling.
 */
class GgufMetadataTest {

  @Test
  void anUnknownArchitectureIsRefusedNamingTheKey() {
    assertRefused(Fixtures.QWEN2, "general.architecture", "gemma2", "general.architecture");
  }

  @Test
  void unknownTokenizersAreRefusedNamingTheKey() {
    assertRefused(Fixtures.QWEN2, "tokenizer.ggml.model", "bert", "tokenizer.ggml.model");
    assertRefused(Fixtures.QWEN2, "tokenizer.ggml.pre", "falcon", "tokenizer.ggml.pre");
  }

  @Test
  void yarnRopeScalingIsRefusedNamingTheKey() {
    GgufFile yarn =
        with(
            Fixtures.gguf(Fixtures.QWEN2),
            Map.of("qwen2.rope.scaling.type", "yarn", "qwen2.rope.scaling.factor", 4.0));
    assertThatThrownBy(() -> GgufModels.load(yarn))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("qwen2.rope.scaling.type")
        .hasMessageContaining("yarn");
  }

  @Test
  void linearRopeScalingSlowsEveryPair() {
    GgufFile file = Fixtures.gguf(Fixtures.LLAMA3);
    Model plain = GgufModels.load(file);
    assertThat(plain.weights().attention().ropeFreqs()).isNull();
    Model linear =
        GgufModels.load(
            with(
                file,
                Map.of("llama.rope.scaling.type", "linear", "llama.rope.scaling.factor", 4.0)));
    float[] fours = new float[plain.config().headSize() / 2];
    Arrays.fill(fours, 4f);
    assertThat(linear.weights().attention().ropeFreqs()).containsExactly(fours);
    // Slower rotation changes nothing at position 0, where nothing rotates, and everything after.
    Transformer a = new Transformer(plain.config(), plain.weights(), new ScalarCompute());
    Transformer b = new Transformer(linear.config(), linear.weights(), new ScalarCompute());
    assertThat(b.forward(500, 0)).containsExactly(a.forward(500, 0));
    assertThat(b.forward(300, 1)).isNotEqualTo(a.forward(300, 1));
  }

  @Test
  void addBosAndAddEosFlagsAreHonoured() {
    GgufFile llama3 = Fixtures.gguf(Fixtures.LLAMA3);
    Tokenizer asIs = new Tokenizer(GgufModels.load(llama3).vocabulary());
    assertThat(asIs.encode("Hello world", true)).containsExactly(556, 504, 259, 319, 370);
    Tokenizer flipped =
        new Tokenizer(
            GgufModels.load(
                    with(
                        llama3,
                        Map.of(
                            "tokenizer.ggml.add_bos_token", false,
                            "tokenizer.ggml.add_eos_token", true)))
                .vocabulary());
    assertThat(flipped.encode("Hello world", true)).containsExactly(504, 259, 319, 370, 557);
    assertThat(flipped.minimumLength("Hello world", true)).isLessThanOrEqualTo(5);
    // Without special tokens asked for, neither.
    assertThat(flipped.encode("Hello world", false)).containsExactly(504, 259, 319, 370);

    // qwen2 says add_bos_token = false: its prompts start with their text.
    try (LanguageModel qwen =
        new LanguageModel(GgufModels.load(Fixtures.gguf(Fixtures.QWEN2)), new ScalarCompute())) {
      assertThat(qwen.encodePrompt("Hello world")).containsExactly(504, 259, 319, 370);
    }
  }

  @Test
  void controlTokensInUserTextStayText() {
    String chat = "<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n";
    try (LanguageModel qwen =
        new LanguageModel(GgufModels.load(Fixtures.gguf(Fixtures.QWEN2)), new ScalarCompute())) {
      // The template's markers as control tokens...
      assertThat(qwen.tokenizer().encode(chat, true, true)).contains(557, 558);
      // ...but the same text as a user's prompt: no control id, the markers spelled out.
      int[] user = qwen.encodePrompt(chat);
      assertThat(user).doesNotContain(556, 557, 558);
      StringBuilder text = new StringBuilder();
      for (int id : user) {
        text.append(
            new String(qwen.tokenizer().decode(-1, id), java.nio.charset.StandardCharsets.UTF_8));
      }
      assertThat(text.toString()).isEqualTo(chat);
    }
  }

  @Test
  void endOfMessageIdsEndGeneration() {
    GgufFile file = Fixtures.gguf(Fixtures.LLAMA3);
    int[] prompt = {556, 361, 479, 258, 474}; // "Once upon a time"
    List<Integer> free = generate(GgufModels.load(file), prompt, true);
    // The fifth greedy token, declared the end of a message, ends the generation before it.
    int eom = free.get(4);
    assertThat(free.subList(0, 4)).doesNotContain(eom);
    Model m = GgufModels.load(with(file, Map.of("tokenizer.ggml.eom_token_id", (long) eom)));
    assertThat(m.vocabulary().stops()).contains(eom, 557, 560);
    assertThat(generate(m, prompt, false)).containsExactlyElementsOf(free.subList(0, 4));
  }

  private static List<Integer> generate(Model m, int[] prompt, boolean ignoreEos) {
    List<Integer> ids = new ArrayList<>();
    try (LanguageModel lm = new LanguageModel(m, new ScalarCompute());
        var g = lm.start(prompt, GenerationConfig.greedy(12).withIgnoreEos(ignoreEos))) {
      for (var p = g.next(); p != null; p = g.next()) {
        ids.add(p.id());
      }
      GenerationStats stats = g.stats();
      assertThat(stats.stopReason()).isEqualTo(ignoreEos ? "max_tokens" : "eos");
    }
    return ids;
  }

  private static void assertRefused(String model, String key, Object value, String named) {
    GgufFile file = with(Fixtures.gguf(model), Map.of(key, value));
    assertThatThrownBy(() -> GgufModels.load(file))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(named)
        .hasMessageContaining(String.valueOf(value));
  }

  /** {@code file} with {@code changes} to its metadata. */
  private static GgufFile with(GgufFile file, Map<String, Object> changes) {
    Map<String, Object> metadata = new HashMap<>(file.metadata());
    metadata.putAll(changes);
    return new GgufFile(file.version(), metadata, file.tensors(), file.source());
  }
}
