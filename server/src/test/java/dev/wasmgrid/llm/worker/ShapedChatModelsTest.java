package dev.wasmgrid.llm.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.llm.ChatMessage;
import dev.wasmgrid.llm.Generation;
import dev.wasmgrid.llm.GenerationConfig;
import dev.wasmgrid.llm.LanguageModel;
import dev.wasmgrid.llm.TokenPiece;
import dev.wasmgrid.llm.Vocabulary;
import dev.wasmgrid.llm.chat.ChatModels;
import dev.wasmgrid.llm.chat.ChatPrompts;
import dev.wasmgrid.llm.gguf.ModelShape;
import dev.wasmgrid.llm.gguf.ShapedModels;
import dev.wasmgrid.llm.jvm.ModelFiles;
import dev.wasmgrid.llm.jvm.VectorCompute;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.testing.Sse;
import dev.wasmgrid.worker.WorkerNode;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Models shaped like the five chat downloads (one layer, the real tokenizer kind, special tokens
 * and type mix), each carrying its authors' chat template in the GGUF file, loaded memory-mapped as
 * {@code serve --model} loads them: the prompt is the template rendered as Python's Jinja2 renders
 * it, its markers single control ids, and {@code /v1/chat/completions} answers with what the model
 * generates from that prompt, streamed or not, over real HTTP.
 */
class ShapedChatModelsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Shape and template file; Llama 3.2's 1B and 3B Instruct models share their template. */
  private static final Map<String, String> TEMPLATES = new LinkedHashMap<>();

  static {
    TEMPLATES.put("llama3.2-1b", "meta-llama-Llama-3.2-3B-Instruct.jinja");
    TEMPLATES.put("qwen2.5-0.5b", "Qwen-Qwen2.5-7B-Instruct.jinja");
    TEMPLATES.put("qwen3-0.6b", "Qwen-Qwen3-0.6B.jinja");
    TEMPLATES.put("smollm2-135m", "HuggingFaceTB-SmolLM2-135M-Instruct.jinja");
    TEMPLATES.put("tinyllama-1.1b", "TinyLlama-TinyLlama-1.1B-Chat-v1.0.jinja");
  }

  @TempDir static Path dir;
  private static final Map<String, LanguageModel> references = new LinkedHashMap<>();
  private static WorkerNode worker;
  private static Http http;

  @BeforeAll
  static void start() throws IOException {
    List<HostedModel> hosted = new ArrayList<>();
    for (Map.Entry<String, String> e : TEMPLATES.entrySet()) {
      ModelShape shape = ModelShape.parse(e.getKey()).reduced(1, 1024, 512);
      Path file = dir.resolve(shape.name() + ".gguf");
      try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(file))) {
        ShapedModels.write(shape, shape.usualMix(), 11, ChatModels.template(e.getValue()), o);
      }
      hosted.add(
          new HostedModel(
              shape.name(),
              new LanguageModel(ModelFiles.load(file, null), new VectorCompute(1)),
              4));
      // One thread on both sides: the same sums in the same order, so the same tokens.
      references.put(
          shape.name(), new LanguageModel(ModelFiles.load(file, null), new VectorCompute(1)));
    }
    worker = LlmTestModels.worker(new Limits(64 << 10, 64, 64), new ModelHosts(hosted));
    http = new Http(worker.port());
  }

  @AfterAll
  static void stop() {
    if (worker != null) {
      worker.close();
    }
    references.values().forEach(LanguageModel::close);
  }

  @ParameterizedTest
  @CsvSource({
    "llama3.2-1b, llama.cpp",
    "qwen2.5-0.5b, llama.cpp",
    "qwen3-0.6b, thinking",
    "smollm2-135m, no-system",
    "tinyllama-1.1b, llama.cpp"
  })
  void theTemplateInTheFileRendersAsJinja2WithItsMarkersAsControlIds(
      String shape, String conversation) {
    LanguageModel model = references.get(shape);
    Vocabulary vocab = model.tokenizer().vocabulary();
    assertThat(vocab.chatTemplate()).isEqualTo(ChatModels.template(TEMPLATES.get(shape)));
    ChatPrompts.Prompt prompt =
        new ChatPrompts(shape, model, ChatModels.clock())
            .prompt(ChatModels.conversation(conversation));
    String expected = ChatModels.jinja2Rendering(TEMPLATES.get(shape), conversation);
    assertThat(prompt.text()).isEqualTo(expected);
    int[] ids = prompt.tokens();
    int markers = 0;
    for (int id = 0; id < vocab.size(); id++) {
      String marker = vocab.token(id);
      if (vocab.type(id) != Vocabulary.CONTROL || marker.isEmpty()) {
        continue;
      }
      int inText = occurrences(expected, marker);
      int leading = id == vocab.bos() && vocab.addBos() && !expected.startsWith(marker) ? 1 : 0;
      int want = inText + leading;
      final int markerId = id;
      assertThat(IntStream.of(ids).filter(t -> t == markerId).count())
          .as("ids of %s in the prompt", marker)
          .isEqualTo(want);
      markers += inText;
    }
    assertThat(markers).as("markers in the rendering").isGreaterThan(1);
  }

  @ParameterizedTest
  @CsvSource({"llama3.2-1b", "qwen2.5-0.5b", "qwen3-0.6b", "smollm2-135m", "tinyllama-1.1b"})
  void chatCompletionsAnswerWithTheModelsContinuationOfItsTemplatedPrompt(String shape)
      throws Exception {
    List<ChatMessage> messages = ChatModels.conversation("one-user");
    // The server renders with the system clock (Llama 3.2's template prints today's date), so the
    // answer is the continuation of the prompt of the day before or after the requests.
    int[] before = prompt(shape, messages);

    JsonNode whole =
        JSON.readTree(
            http.postJson("/v1/chat/completions", ChatRequests.body(shape, messages, 8, false))
                .body());
    List<Sse.Event> events =
        Sse.parse(
            Http.text(
                http.postJson(
                    "/v1/chat/completions", ChatRequests.body(shape, messages, 8, true))));
    int[] after = prompt(shape, messages);
    Set<String> expected = new LinkedHashSet<>();
    expected.add(continuation(shape, before));
    if (!Arrays.equals(before, after)) {
      expected.add(continuation(shape, after));
    }

    JsonNode choice = whole.get("choices").get(0);
    assertThat(whole.get("model").asText()).isEqualTo(shape);
    assertThat(choice.get("message").get("content").asText()).isIn(expected);
    assertThat(whole.get("usage").get("completion_tokens").asInt()).isPositive();
    assertThat(ChatRequests.streamedContent(events)).isIn(expected);
  }

  /** The conversation's prompt as the server renders it now. */
  private static int[] prompt(String shape, List<ChatMessage> messages) {
    return new ChatPrompts(shape, references.get(shape), Clock.system(ZoneId.systemDefault()))
        .prompt(messages)
        .tokens();
  }

  /** What the reference generates greedily from {@code prompt}. */
  private static String continuation(String shape, int[] prompt) {
    StringBuilder text = new StringBuilder();
    try (Generation g =
        references
            .get(shape)
            .start(prompt, GenerationConfig.defaults().withMaxTokens(8).withTemperature(0))) {
      for (TokenPiece p = g.next(); p != null; p = g.next()) {
        text.append(p.text());
      }
    }
    return text.toString();
  }

  private static int occurrences(String text, String marker) {
    int n = 0;
    for (int at = text.indexOf(marker); at >= 0; at = text.indexOf(marker, at + marker.length())) {
      n++;
    }
    return n;
  }
}
