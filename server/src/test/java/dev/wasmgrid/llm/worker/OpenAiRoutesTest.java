package dev.wasmgrid.llm.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.llm.Compute;
import dev.wasmgrid.llm.ScalarCompute;
import dev.wasmgrid.llm.WeightMatrix;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.testing.Sse;
import dev.wasmgrid.worker.WorkerNode;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OpenAI-compatible routes' request fields over real HTTP: what the runtime honours ({@code
 * max_completion_tokens}, {@code n}, log-probabilities, penalties, {@code logit_bias}, seeds,
 * {@code echo}, {@code GET /v1/models/{id}}) and the 400s naming what it does not.
 */
class OpenAiRoutesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CHAT = "/v1/chat/completions";
  private static final String COMPLETIONS = "/v1/completions";

  private static WorkerNode worker;
  private static Http http;

  @BeforeAll
  static void start() {
    worker =
        LlmTestModels.worker(
            new Limits(64 << 10, 64, 64), LlmTestModels.hosts("tiny-test", new ScalarCompute(), 8));
    http = new Http(worker.port());
  }

  @AfterAll
  static void stop() {
    worker.close();
  }

  /** A chat request's body: one user message, then {@code fields} (JSON members, no braces). */
  private static String chat(String fields) {
    return "{\"messages\":[{\"role\":\"user\",\"content\":\"Tell a story\"}]," + fields + "}";
  }

  private static String completion(String fields) {
    return "{\"prompt\":\"Once upon a time\"," + fields + "}";
  }

  private static JsonNode ok(String path, String body) throws Exception {
    HttpResponse<byte[]> r = http.postJson(path, body);
    assertThat(r.statusCode()).as(Http.text(r)).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  private static List<JsonNode> chunks(String path, String body) throws Exception {
    HttpResponse<byte[]> r = http.postJson(path, body);
    assertThat(r.statusCode()).isEqualTo(200);
    List<Sse.Event> events = Sse.parse(Http.text(r));
    assertThat(events.getLast().data()).isEqualTo("[DONE]");
    List<JsonNode> out = new ArrayList<>();
    for (Sse.Event e : events.subList(0, events.size() - 1)) {
      out.add(JSON.readTree(e.data()));
    }
    return out;
  }

  private static List<String> contents(JsonNode answer) {
    List<String> out = new ArrayList<>();
    answer.get("choices").forEach(c -> out.add(c.get("message").get("content").asText()));
    return out;
  }

  @Test
  void maxCompletionTokensBoundsTheAnswerAndOutranksMaxTokens() throws Exception {
    JsonNode answer = ok(CHAT, chat("\"max_completion_tokens\":3,\"ignore_eos\":true"));
    assertThat(answer.get("usage").get("completion_tokens").asInt()).isEqualTo(3);
    assertThat(answer.get("choices").get(0).get("finish_reason").asText()).isEqualTo("length");
    JsonNode both =
        ok(CHAT, chat("\"max_tokens\":10,\"max_completion_tokens\":2,\"ignore_eos\":true"));
    assertThat(both.get("usage").get("completion_tokens").asInt()).isEqualTo(2);
  }

  @Test
  void nGivesThatManyChoicesEachItsOwnAndReproducibleWithASeed() throws Exception {
    String fields = "\"max_tokens\":8,\"temperature\":1,\"seed\":9,\"ignore_eos\":true";
    JsonNode three = ok(CHAT, chat(fields + ",\"n\":3"));
    assertThat(three.get("choices")).hasSize(3);
    for (int i = 0; i < 3; i++) {
      assertThat(three.get("choices").get(i).get("index").asInt()).isEqualTo(i);
    }
    List<String> texts = contents(three);
    assertThat(new HashSet<>(texts)).hasSizeGreaterThan(1);
    assertThat(three.get("usage").get("completion_tokens").asInt()).isEqualTo(24);
    // The first choice is what one choice with the seed is; the same seed, the same choices.
    assertThat(contents(ok(CHAT, chat(fields))).getFirst()).isEqualTo(texts.getFirst());
    assertThat(contents(ok(CHAT, chat(fields + ",\"n\":3")))).isEqualTo(texts);

    List<JsonNode> chunks =
        chunks(
            CHAT,
            chat(fields + ",\"n\":3,\"stream\":true,\"stream_options\":{\"include_usage\":true}"));
    // OpenAI's usage chunk comes last, with no choices; no other chunk carries usage.
    JsonNode usage = chunks.removeLast();
    assertThat(usage.get("choices")).isEmpty();
    assertThat(usage.get("usage").get("completion_tokens").asInt()).isEqualTo(24);
    assertThat(chunks).allSatisfy(c -> assertThat(c.has("usage")).isFalse());
    TreeMap<Integer, StringBuilder> streamed = new TreeMap<>();
    Set<Integer> finished = new HashSet<>();
    for (JsonNode chunk : chunks) {
      JsonNode choice = chunk.get("choices").get(0);
      int index = choice.get("index").asInt();
      JsonNode content = choice.get("delta").get("content");
      streamed.computeIfAbsent(index, i -> new StringBuilder());
      if (content != null) {
        streamed.get(index).append(content.asText());
      }
      if (!choice.get("finish_reason").isNull()) {
        finished.add(index);
      }
    }
    assertThat(streamed.values().stream().map(StringBuilder::toString).toList()).isEqualTo(texts);
    assertThat(finished).containsExactlyInAnyOrder(0, 1, 2);
    // Without stream_options, a stream has no usage.
    assertThat(chunks(CHAT, chat(fields + ",\"stream\":true")))
        .allSatisfy(c -> assertThat(c.has("usage")).isFalse());
  }

  @Test
  void withoutASeedEachRequestDrawsAFreshOne() throws Exception {
    String fields = "\"max_tokens\":24,\"temperature\":1,\"top_p\":1,\"ignore_eos\":true";
    String a = ok(COMPLETIONS, completion(fields)).get("choices").get(0).get("text").asText();
    String b = ok(COMPLETIONS, completion(fields)).get("choices").get(0).get("text").asText();
    assertThat(a).isNotEqualTo(b);
    String seeded = fields + ",\"seed\":3";
    assertThat(ok(COMPLETIONS, completion(seeded)).get("choices").get(0).get("text"))
        .isEqualTo(ok(COMPLETIONS, completion(seeded)).get("choices").get(0).get("text"));
  }

  @Test
  void chatLogprobsDescribeEveryTokenWithItsAlternatives() throws Exception {
    String fields =
        "\"max_tokens\":6,\"temperature\":0,\"ignore_eos\":true,\"logprobs\":true,"
            + "\"top_logprobs\":2";
    JsonNode choice = ok(CHAT, chat(fields)).get("choices").get(0);
    JsonNode content = choice.get("logprobs").get("content");
    assertThat(content).hasSize(6);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (JsonNode token : content) {
      assertThat(token.get("logprob").asDouble()).isNegative();
      token.get("bytes").forEach(b -> bytes.write(b.asInt()));
      JsonNode top = token.get("top_logprobs");
      assertThat(top).hasSize(2);
      // Greedy: the token is the most likely one.
      assertThat(top.get(0).get("token")).isEqualTo(token.get("token"));
      assertThat(top.get(0).get("logprob")).isEqualTo(token.get("logprob"));
      assertThat(top.get(1).get("logprob").asDouble())
          .isLessThanOrEqualTo(top.get(0).get("logprob").asDouble());
    }
    String text = choice.get("message").get("content").asText();
    assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo(text);

    int streamed = 0;
    for (JsonNode chunk : chunks(CHAT, chat(fields + ",\"stream\":true"))) {
      JsonNode lp = chunk.get("choices").get(0).get("logprobs");
      if (lp != null && !lp.isNull()) {
        for (JsonNode token : lp.get("content")) {
          assertThat(token).isEqualTo(content.get(streamed++));
        }
      }
    }
    assertThat(streamed).isEqualTo(6);
  }

  @Test
  void legacyLogprobsCarryTokensOffsetsAndAlternatives() throws Exception {
    JsonNode choice =
        ok(
                COMPLETIONS,
                completion("\"max_tokens\":5,\"temperature\":0,\"ignore_eos\":true,\"logprobs\":2"))
            .get("choices")
            .get(0);
    JsonNode lp = choice.get("logprobs");
    assertThat(lp.get("tokens")).hasSize(5);
    assertThat(lp.get("token_logprobs")).hasSize(5);
    assertThat(lp.get("top_logprobs")).hasSize(5);
    StringBuilder joined = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      assertThat(lp.get("text_offset").get(i).asInt()).isEqualTo(joined.length());
      joined.append(lp.get("tokens").get(i).asText());
      assertThat(lp.get("top_logprobs").get(i).size()).isBetween(1, 2);
      assertThat(lp.get("token_logprobs").get(i).asDouble()).isNegative();
    }
    assertThat(joined.toString()).isEqualTo(choice.get("text").asText());
  }

  @Test
  void penaltiesAndLogitBiasChangeTheTokens() throws Exception {
    String greedy = "\"max_tokens\":30,\"temperature\":0,\"ignore_eos\":true,\"seed\":1";
    String plain = text(completion(greedy));
    assertThat(text(completion(greedy + ",\"frequency_penalty\":2"))).isNotEqualTo(plain);
    assertThat(text(completion(greedy + ",\"presence_penalty\":2"))).isNotEqualTo(plain);
    assertThat(text(completion(greedy + ",\"frequency_penalty\":0,\"presence_penalty\":0")))
        .isEqualTo(plain);

    List<Integer> ids = tokenIds(completion(greedy + ",\"stream\":true"));
    int forced = ids.get(3);
    assertThat(tokenIds(completion(greedy + ",\"logit_bias\":{\"" + forced + "\":100}")))
        .hasSize(30)
        .containsOnly(forced);
    List<Integer> banned =
        tokenIds(completion(greedy + ",\"logit_bias\":{\"" + ids.getFirst() + "\":-100}"));
    assertThat(banned.getFirst()).isNotEqualTo(ids.getFirst());
  }

  private static String text(String body) throws Exception {
    return ok(COMPLETIONS, body).get("choices").get(0).get("text").asText();
  }

  /** The token ids {@code /v1/generate} streams for a request. */
  private static List<Integer> tokenIds(String body) throws Exception {
    HttpResponse<byte[]> r = http.postJson("/v1/generate", body);
    assertThat(r.statusCode()).as(Http.text(r)).isEqualTo(200);
    List<Integer> ids = new ArrayList<>();
    for (Sse.Event e : Sse.parse(Http.text(r))) {
      if ("token".equals(e.name())) {
        ids.add(JSON.readTree(e.data()).get("id").asInt());
      }
    }
    return ids;
  }

  @Test
  void echoPrependsThePrompt() throws Exception {
    String fields = "\"max_tokens\":4,\"temperature\":0,\"echo\":true";
    assertThat(text(completion(fields))).startsWith("Once upon a time");
    List<JsonNode> chunks = chunks(COMPLETIONS, completion(fields + ",\"stream\":true"));
    assertThat(chunks.getFirst().get("choices").get(0).get("text").asText())
        .isEqualTo("Once upon a time");
  }

  @Test
  void aModelIsAnsweredByIdOr404InOpenAisShape() throws Exception {
    HttpResponse<byte[]> r = http.get("/v1/models/tiny-test");
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode model = JSON.readTree(r.body());
    assertThat(model.get("id").asText()).isEqualTo("tiny-test");
    assertThat(model.get("object").asText()).isEqualTo("model");
    assertThat(model.get("owned_by").asText()).isEqualTo("wasmgrid");

    HttpResponse<byte[]> missing = http.get("/v1/models/gpt-9");
    assertThat(missing.statusCode()).isEqualTo(404);
    JsonNode error = JSON.readTree(missing.body()).get("error");
    assertThat(error.get("code").asText()).isEqualTo("model_not_found");
    assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
    assertThat(error.get("param").asText()).isEqualTo("model");
    assertThat(error.get("message").asText()).contains("gpt-9");
  }

  @Test
  void whatTheRuntimeCannotHonourIsA400NamingTheField() throws Exception {
    refused(
        CHAT, chat("\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]"), "tools");
    refused(CHAT, chat("\"tool_choice\":\"auto\""), "tool_choice");
    refused(CHAT, chat("\"functions\":[{\"name\":\"f\"}]"), "functions");
    refused(CHAT, chat("\"response_format\":{\"type\":\"json_object\"}"), "response_format");
    refused(
        CHAT,
        chat("\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\"}}"),
        "response_format");
    refused(CHAT, chat("\"modalities\":[\"text\",\"audio\"]"), "modalities");
    refused(COMPLETIONS, completion("\"suffix\":\"The end.\""), "suffix");
    refused(COMPLETIONS, completion("\"best_of\":3"), "best_of");
    refused(COMPLETIONS, completion("\"echo\":true,\"logprobs\":1"), "echo");
    // Accepted as they change nothing: plain text, no suffix, an end user's id.
    ok(CHAT, chat("\"response_format\":{\"type\":\"text\"},\"max_tokens\":2,\"user\":\"u1\""));
    ok(COMPLETIONS, completion("\"suffix\":null,\"max_tokens\":2"));
    ok(CHAT, chat("\"tools\":[],\"tool_choice\":\"none\",\"max_tokens\":2"));
  }

  @Test
  void aGenerationThatFailsIsA500InOpenAisShape() throws Exception {
    Compute scalar = new ScalarCompute();
    Compute failing =
        new Compute() {
          @Override
          public void matvec(WeightMatrix w, float[] x, float[] out) {
            throw new IllegalStateException("a broken kernel");
          }

          @Override
          public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
            return scalar.dot(a, aOff, b, bOff, n);
          }

          @Override
          public void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
            scalar.axpy(a, x, xOff, y, yOff, n);
          }

          @Override
          public String name() {
            return "broken";
          }
        };
    try (WorkerNode broken =
        LlmTestModels.worker(
            new Limits(64 << 10, 64, 64), LlmTestModels.hosts("tiny-test", failing, 8))) {
      HttpResponse<byte[]> r = new Http(broken.port()).postJson(CHAT, chat("\"max_tokens\":2"));
      assertThat(r.statusCode()).isEqualTo(500);
      JsonNode error = JSON.readTree(r.body()).get("error");
      assertThat(error.get("code").asText()).isEqualTo("internal");
      assertThat(error.get("type").asText()).isEqualTo("server_error");
      assertThat(error.has("param")).isTrue();
    }
  }

  @Test
  void badValuesAndUnknownFieldsAreA400NamingTheField() throws Exception {
    invalid(CHAT, chat("\"n\":0"), "n");
    invalid(CHAT, chat("\"stream_options\":{\"include_usage\":true}"), "stream_options");
    invalid(
        CHAT, chat("\"stream\":true,\"stream_options\":{\"include_usage\":1}"), "stream_options");
    invalid(CHAT, chat("\"n\":17"), "n");
    invalid(CHAT, chat("\"max_completion_tokens\":0"), "max_completion_tokens");
    invalid(CHAT, chat("\"top_logprobs\":2"), "top_logprobs");
    invalid(CHAT, chat("\"logprobs\":true,\"top_logprobs\":21"), "top_logprobs");
    invalid(CHAT, chat("\"logprobs\":3"), "logprobs");
    invalid(COMPLETIONS, completion("\"logprobs\":6"), "logprobs");
    invalid(CHAT, chat("\"presence_penalty\":2.5"), "presence_penalty");
    invalid(CHAT, chat("\"frequency_penalty\":-3"), "frequency_penalty");
    invalid(CHAT, chat("\"logit_bias\":{\"12\":101}"), "logit_bias");
    invalid(CHAT, chat("\"logit_bias\":{\"x\":1}"), "logit_bias");
    JsonNode outside = invalid(CHAT, chat("\"logit_bias\":{\"123456\":5}"), "logit_bias");
    assertThat(outside.get("message").asText()).contains("123456");
    invalid(CHAT, chat("\"response_format\":{\"type\":\"xml\"}"), "response_format");

    JsonNode unknown = error(CHAT, chat("\"temprature\":0.5"), "unknown_field", "temprature");
    assertThat(unknown.get("message").asText()).contains("temprature");
    error("/v1/generate", completion("\"n\":2"), "unknown_field", "n");
    error(
        COMPLETIONS,
        completion("\"max_completion_tokens\":2"),
        "unknown_field",
        "max_completion_tokens");
  }

  private static void refused(String path, String body, String field) throws Exception {
    error(path, body, "unsupported_field", field);
  }

  private static JsonNode invalid(String path, String body, String field) throws Exception {
    return error(path, body, "invalid_field", field);
  }

  /** Expects a 400 in OpenAI's error shape with wasmgrid's code and field. */
  private static JsonNode error(String path, String body, String code, String field)
      throws Exception {
    HttpResponse<byte[]> r = http.postJson(path, body);
    assertThat(r.statusCode()).as(body + " -> " + Http.text(r)).isEqualTo(400);
    ObjectNode error = (ObjectNode) JSON.readTree(r.body()).get("error");
    assertThat(error.get("code").asText()).as(body).isEqualTo(code);
    assertThat(error.get("param").asText()).as(body).isEqualTo(field);
    assertThat(error.get("field").asText()).as(body).isEqualTo(field);
    assertThat(error.get("type").asText()).as(body).isEqualTo("invalid_request_error");
    assertThat(error.get("message").asText()).as(body).contains(field);
    return error;
  }
}
