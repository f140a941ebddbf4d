package dev.wasmgrid.llm.chat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wasmgrid.llm.ChatMessage;
import dev.wasmgrid.llm.LanguageModel;
import dev.wasmgrid.llm.LlamaConfig;
import dev.wasmgrid.llm.ScalarCompute;
import dev.wasmgrid.llm.TensorType;
import dev.wasmgrid.llm.TinyModels;
import dev.wasmgrid.llm.Vocabulary;
import dev.wasmgrid.llm.gguf.GgufModels;
import dev.wasmgrid.llm.gguf.GgufWriter;
import dev.wasmgrid.llm.io.ArrayByteSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Tiny GGUF chat models: the test vocabulary with ChatML's control tokens, and a chat template. */
public final class ChatModels {

  private ChatModels() {}

  /** SmolLM2-135M-Instruct's chat template (ChatML with a default system message). */
  public static String smolLm2Template() {
    return ChatTemplateFixturesTest.textUnchecked("HuggingFaceTB-SmolLM2-135M-Instruct.jinja");
  }

  /** A real model's template from the fixtures. */
  public static String template(String file) {
    return ChatTemplateFixturesTest.textUnchecked(file);
  }

  /** The conversation {@code name} of the fixtures' {@code conversations.json}. */
  public static List<ChatMessage> conversation(String name) {
    try {
      return ChatTemplateFixturesTest.conversation(name);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Python Jinja2's rendering of {@code conversation} by the template in {@code file}, with the
   * BOS/EOS texts and the clock ({@link #clock()}) of {@code model-templates.json}.
   */
  public static String jinja2Rendering(String file, String conversation) {
    try {
      for (JsonNode m : ChatTemplateFixturesTest.resource("model-templates.json")) {
        if (m.get("file").asText().equals(file)) {
          return m.get("renderings").get(conversation).get("expected").asText();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    throw new IllegalArgumentException("no rendering of " + file + " in model-templates.json");
  }

  /** The clock of the Jinja2 renderings' {@code strftime_now}. */
  public static Clock clock() {
    return ChatTemplateFixturesTest.CLOCK;
  }

  /**
   * The tiny test vocabulary with {@code <|im_start|>} and {@code <|im_end|>} (control tokens, the
   * second ending a generation) at its end, carrying {@code template}.
   */
  public static Vocabulary vocabulary(String template) {
    Vocabulary base = TinyModels.vocabulary(0);
    List<String> tokens = new ArrayList<>(base.tokens());
    tokens.add("<|im_start|>");
    tokens.add("<|im_end|>");
    int n = tokens.size();
    float[] scores = new float[n];
    int[] types = new int[n];
    for (int i = 0; i < base.size(); i++) {
      scores[i] = base.score(i);
      types[i] = base.type(i);
    }
    Arrays.fill(types, base.size(), n, Vocabulary.CONTROL);
    return new Vocabulary(
            tokens, scores, types, base.bos(), base.eos(), new int[] {base.eos(), n - 1})
        .withChatTemplate(template);
  }

  /** A GGUF file of random weights and {@link #vocabulary(String)}. */
  public static byte[] gguf(String template) {
    Vocabulary v = vocabulary(template);
    LlamaConfig c = LlamaConfig.of(32, 64, 1, 2, 2, v.size(), 128);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      GgufWriter.write(TinyModels.randomWeights(c, 5, false), v, TensorType.F32, out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** {@link #gguf(String)} loaded, on the scalar path. */
  public static LanguageModel model(String template) {
    return new LanguageModel(
        GgufModels.load(new ArrayByteSource(gguf(template))), new ScalarCompute());
  }
}
