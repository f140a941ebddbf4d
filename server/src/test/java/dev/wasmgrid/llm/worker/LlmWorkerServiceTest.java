package dev.wasmgrid.llm.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.llm.ChatMessage;
import dev.wasmgrid.llm.GenerationConfig;
import dev.wasmgrid.llm.LanguageModel;
import dev.wasmgrid.llm.ScalarCompute;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.testing.Sse;
import dev.wasmgrid.worker.WorkerNode;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The worker's language-model routes over real HTTP, against the runtime called directly. */
class LlmWorkerServiceTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PROMPT = "Once upon a time";

  private static WorkerNode worker;
  private static Http http;
  private static LanguageModel reference;

  @BeforeAll
  static void start() {
    worker =
        LlmTestModels.worker(
            new Limits(64 << 10, 64, 64), LlmTestModels.hosts("tiny-test", new ScalarCompute(), 8));
    http = new Http(worker.port());
    reference = LlmTestModels.reference();
  }

  @AfterAll
  static void stop() {
    worker.close();
    reference.close();
  }

  private static GenerationConfig config(int maxTokens, float temperature, long seed) {
    return GenerationConfig.defaults()
        .withMaxTokens(maxTokens)
        .withTemperature(temperature)
        .withSeed(seed);
  }

  @Test
  void theTokenStreamIsWhatGenerateGivesForTheSameSeed() throws Exception {
    LanguageModel.Result expected = reference.generate(PROMPT, config(40, 0.8f, 7));
    HttpResponse<byte[]> r =
        http.postJson(
            "/v1/generate",
            "{\"prompt\":\"" + PROMPT + "\",\"max_tokens\":40,\"temperature\":0.8,\"seed\":7}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
    List<Sse.Event> events = Sse.parse(Http.text(r));
    List<Sse.Event> tokens = events.stream().filter(e -> "token".equals(e.name())).toList();
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < tokens.size(); i++) {
      JsonNode t = JSON.readTree(tokens.get(i).data());
      assertThat(t.get("index").asInt()).isEqualTo(i);
      text.append(t.get("token").asText());
    }
    assertThat(text.toString()).isEqualTo(expected.text());
    assertThat(tokens).hasSize(expected.stats().tokens());
    Sse.Event done = events.getLast();
    assertThat(done.name()).isEqualTo("done");
    JsonNode stats = JSON.readTree(done.data());
    assertThat(stats.get("tokens").asInt()).isEqualTo(expected.stats().tokens());
    assertThat(stats.get("finish_reason").asText()).isEqualTo(expected.stats().stopReason());
    assertThat(stats.has("tok_s") && stats.has("ttft_ms") && stats.has("total_ms")).isTrue();
  }

  @Test
  void withoutStreamingGenerateAnswersOneJson() throws Exception {
    LanguageModel.Result expected = reference.generate(PROMPT, config(30, 0, 0));
    HttpResponse<byte[]> r =
        http.postJson(
            "/v1/generate",
            "{\"prompt\":\"" + PROMPT + "\",\"max_tokens\":30,\"temperature\":0,\"stream\":false}");
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.get("text").asText()).isEqualTo(expected.text());
    assertThat(body.get("tokens").asInt()).isEqualTo(expected.stats().tokens());
  }

  @Test
  void completionsFollowOpenAisShapesStreamedOrNot() throws Exception {
    LanguageModel.Result expected =
        reference.generate(PROMPT, config(12, 0.5f, 11).withIgnoreEos(true));
    String request =
        "{\"model\":\"tiny-test\",\"prompt\":\""
            + PROMPT
            + "\",\"max_tokens\":12,\"temperature\":0.5,\"seed\":11,\"ignore_eos\":true";
    JsonNode whole = JSON.readTree(http.postJson("/v1/completions", request + "}").body());
    assertThat(whole.get("object").asText()).isEqualTo("text_completion");
    assertThat(whole.get("model").asText()).isEqualTo("tiny-test");
    JsonNode choice = whole.get("choices").get(0);
    assertThat(choice.get("text").asText()).isEqualTo(expected.text());
    assertThat(choice.get("finish_reason").asText()).isEqualTo("length");
    JsonNode usage = whole.get("usage");
    assertThat(usage.get("completion_tokens").asInt()).isEqualTo(12);
    assertThat(usage.get("prompt_tokens").asInt()).isEqualTo(expected.stats().promptTokens());
    assertThat(usage.get("total_tokens").asInt()).isEqualTo(12 + expected.stats().promptTokens());

    List<Sse.Event> events =
        Sse.parse(Http.text(http.postJson("/v1/completions", request + ",\"stream\":true}")));
    assertThat(events.getLast().data()).isEqualTo("[DONE]");
    StringBuilder text = new StringBuilder();
    String finish = null;
    for (Sse.Event e : events.subList(0, events.size() - 1)) {
      JsonNode chunk = JSON.readTree(e.data());
      assertThat(chunk.get("object").asText()).isEqualTo("text_completion");
      assertThat(chunk.get("id").asText()).startsWith("cmpl-");
      text.append(chunk.get("choices").get(0).get("text").asText());
      JsonNode f = chunk.get("choices").get(0).get("finish_reason");
      finish = f.isNull() ? finish : f.asText();
    }
    assertThat(text.toString()).isEqualTo(expected.text());
    assertThat(finish).isEqualTo("length");
  }

  @Test
  void chatCompletionsFormatTheConversationAndFollowOpenAisShapes() throws Exception {
    List<ChatMessage> messages =
        List.of(new ChatMessage("system", "Be brief."), new ChatMessage("user", "Tell a story"));
    LanguageModel.Result expected =
        reference.generate(reference.formatChat(messages), config(20, 0, 0));
    String request =
        "{\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
            + "{\"role\":\"user\",\"content\":\"Tell a story\"}],\"max_tokens\":20,"
            + "\"temperature\":0";
    JsonNode whole = JSON.readTree(http.postJson("/v1/chat/completions", request + "}").body());
    assertThat(whole.get("object").asText()).isEqualTo("chat.completion");
    JsonNode message = whole.get("choices").get(0).get("message");
    assertThat(message.get("role").asText()).isEqualTo("assistant");
    assertThat(message.get("content").asText()).isEqualTo(expected.text());
    assertThat(whole.get("choices").get(0).get("finish_reason").asText())
        .isEqualTo(Answer.finishReason(expected.stats()));

    List<Sse.Event> events =
        Sse.parse(Http.text(http.postJson("/v1/chat/completions", request + ",\"stream\":true}")));
    assertThat(events.getLast().data()).isEqualTo("[DONE]");
    JsonNode first = JSON.readTree(events.getFirst().data());
    assertThat(first.get("object").asText()).isEqualTo("chat.completion.chunk");
    assertThat(first.get("choices").get(0).get("delta").get("role").asText())
        .isEqualTo("assistant");
    StringBuilder text = new StringBuilder();
    for (Sse.Event e : events.subList(0, events.size() - 1)) {
      JsonNode delta = JSON.readTree(e.data()).get("choices").get(0).get("delta");
      if (delta.has("content")) {
        text.append(delta.get("content").asText());
      }
    }
    assertThat(text.toString()).isEqualTo(expected.text());
  }

  @Test
  void modelsAreListedInOpenAisShape() throws Exception {
    JsonNode list = JSON.readTree(http.get("/v1/models").body());
    assertThat(list.get("object").asText()).isEqualTo("list");
    JsonNode model = list.get("data").get(0);
    assertThat(model.get("id").asText()).isEqualTo("tiny-test");
    assertThat(model.get("object").asText()).isEqualTo("model");
    assertThat(model.get("owned_by").asText()).isEqualTo("wasmgrid");
  }

  @Test
  void badRequestsGetClearErrorsNamingTheField() throws Exception {
    expectError("/v1/generate", "{\"prompt\":", 400, "malformed_json", null);
    expectError("/v1/generate", "{\"max_tokens\":5}", 400, "invalid_field", "prompt");
    expectError(
        "/v1/generate", "{\"prompt\":\"a\",\"temperature\":\"hot\"}", 400, null, "temperature");
    expectError(
        "/v1/generate", "{\"prompt\":\"a\",\"temperature\":-0.5}", 400, null, "temperature");
    expectError("/v1/generate", "{\"prompt\":\"a\",\"temperature\":NaN}", 400, null, "temperature");
    expectError("/v1/generate", "{\"prompt\":\"a\",\"max_tokens\":0}", 400, null, "max_tokens");
    expectError("/v1/generate", "{\"prompt\":\"a\",\"max_tokens\":4097}", 400, null, "max_tokens");
    expectError("/v1/generate", "{\"prompt\":\"a\",\"max_tokens\":1.5}", 400, null, "max_tokens");
    expectError("/v1/generate", "{\"prompt\":\"a\",\"top_p\":2}", 400, null, "top_p");
    expectError("/v1/generate", "{\"prompt\":\"a\",\"stop\":[\"\"]}", 400, null, "stop");
    expectError("/v1/generate", "{\"prompt\":\"a\",\"stream\":\"yes\"}", 400, null, "stream");
    expectError(
        "/v1/chat/completions",
        "{\"messages\":[{\"role\":\"robot\",\"content\":\"hi\"}]}",
        400,
        null,
        "messages[0].role");
    expectError("/v1/chat/completions", "{\"messages\":[]}", 400, null, "messages");
    expectError(
        "/v1/completions",
        "{\"prompt\":\"a\",\"model\":\"gpt-9\"}",
        404,
        "model_not_found",
        "model");
    expectError(
        "/v1/generate",
        "{\"prompt\":\"" + "a ".repeat(40_000) + "\"}",
        413,
        "body_too_large",
        null);
    expectError(
        "/v1/generate",
        "{\"prompt\":\"" + "once ".repeat(200) + "\"}",
        400,
        "prompt_too_long",
        "prompt");
  }

  private static void expectError(String path, String body, int status, String code, String field)
      throws Exception {
    HttpResponse<byte[]> r = http.postJson(path, body);
    assertThat(r.statusCode()).as(body).isEqualTo(status);
    JsonNode error = JSON.readTree(r.body()).get("error");
    if (code != null) {
      assertThat(error.get("code").asText()).as(body).isEqualTo(code);
    }
    if (field != null) {
      assertThat(error.get("field").asText()).as(body).isEqualTo(field);
      assertThat(error.get("message").asText()).as(body).contains(field);
    }
  }

  @Test
  void metricsCountGenerationsAndTokens() {
    http.postJson("/v1/generate", "{\"prompt\":\"a\",\"max_tokens\":3,\"ignore_eos\":true}");
    String metrics = Http.text(http.get("/metrics"));
    assertThat(metrics)
        .contains(
            "wasmgrid_llm_generations_total{finish_reason=\"max_tokens\",model=\"tiny-test\"}")
        .contains("wasmgrid_llm_tokens_total{model=\"tiny-test\"}")
        .contains("wasmgrid_llm_generation_seconds_count{model=\"tiny-test\"}")
        .contains("wasmgrid_llm_generations_in_flight{model=\"tiny-test\"} 0.0");
  }
}
