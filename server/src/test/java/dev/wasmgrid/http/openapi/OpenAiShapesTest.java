package dev.wasmgrid.http.openapi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wasmgrid.coordinator.CoordinatorNode;
import dev.wasmgrid.grid.discovery.WorkerSources;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.llm.ScalarCompute;
import dev.wasmgrid.llm.worker.LlmTestModels;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.testing.Nodes;
import dev.wasmgrid.testing.Poll;
import dev.wasmgrid.testing.Sse;
import dev.wasmgrid.worker.WorkerNode;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real answers of the language-model routes, from a worker hosting a tiny model and from a
 * coordinator relaying to it, checked twice: against the node's own description (fetched from its
 * {@code /openapi.json}) and against the shapes the official OpenAI clients read ({@code
 * openai-client-shapes.json}, transcribed from the openai npm package's types), whole answers and
 * each streamed chunk alike.
 */
class OpenAiShapesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MODEL = "tiny-test";
  private static final String CHAT = "/v1/chat/completions";
  private static final String COMPLETIONS = "/v1/completions";

  private static WorkerNode worker;
  private static CoordinatorNode coordinator;
  private static SchemaCheck clients;

  @BeforeAll
  static void start() throws Exception {
    worker =
        LlmTestModels.worker(Limits.DEFAULTS, LlmTestModels.hosts(MODEL, new ScalarCompute(), 8));
    coordinator =
        Nodes.coordinator(WorkerSources.parse(List.of(Nodes.url(worker.port()))), Nodes.FAST);
    Http relay = new Http(coordinator.port());
    Poll.until(
        "the coordinator lists the worker's model",
        Duration.ofSeconds(30),
        () -> Http.text(relay.get("/v1/models")).contains(MODEL));
    try (InputStream in = OpenAiShapesTest.class.getResourceAsStream("openai-client-shapes.json")) {
      clients = new SchemaCheck(JSON.readTree(in));
    }
  }

  @AfterAll
  static void stop() {
    coordinator.close();
    worker.close();
  }

  private static Map<String, Integer> nodes() {
    return Map.of("worker", worker.port(), "coordinator", coordinator.port());
  }

  /** Checks an answer against the node's description, and its JSON against a client shape. */
  private static void check(
      String node, String method, String route, HttpResponse<byte[]> r, String clientShape)
      throws Exception {
    int port = nodes().get(node);
    Conformance described = new Conformance(OpenApiServedTest.description(port));
    String what = node + ": " + method + " " + route + " " + Http.text(r);
    assertThat(described.errors(method, route, r)).as(what).isEmpty();
    if (r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream")) {
      List<Sse.Event> events = Sse.parse(Http.text(r));
      assertThat(events.getLast().data()).as(what).isEqualTo("[DONE]");
      for (Sse.Event event : events.subList(0, events.size() - 1)) {
        assertThat(clients.errors("/$defs/" + clientShape, JSON.readTree(event.data())))
            .as(node + ": chunk " + event.data())
            .isEmpty();
      }
    } else {
      assertThat(clients.errors("/$defs/" + clientShape, JSON.readTree(r.body())))
          .as(what)
          .isEmpty();
    }
  }

  @Test
  void modelsAreListedAndRetrievedAsClientsReadThem() throws Exception {
    for (Map.Entry<String, Integer> node : nodes().entrySet()) {
      Http http = new Http(node.getValue());
      check(node.getKey(), "GET", "/v1/models", http.get("/v1/models"), "ModelList");
      check(node.getKey(), "GET", "/v1/models/{id}", http.get("/v1/models/" + MODEL), "Model");
      HttpResponse<byte[]> missing = http.get("/v1/models/nope");
      assertThat(missing.statusCode()).isEqualTo(404);
      check(node.getKey(), "GET", "/v1/models/{id}", missing, "Error");
    }
  }

  @Test
  void wholeAnswersHaveEveryFieldClientsRead() throws Exception {
    String sampling = "\"model\":\"" + MODEL + "\",\"max_tokens\":4,\"seed\":3,\"n\":2";
    for (Map.Entry<String, Integer> node : nodes().entrySet()) {
      Http http = new Http(node.getValue());
      HttpResponse<byte[]> chat =
          http.postJson(
              CHAT,
              "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
                  + sampling
                  + ",\"logprobs\":true,\"top_logprobs\":2}");
      assertThat(chat.statusCode()).as(Http.text(chat)).isEqualTo(200);
      check(node.getKey(), "POST", CHAT, chat, "ChatCompletion");
      HttpResponse<byte[]> completion =
          http.postJson(COMPLETIONS, "{\"prompt\":\"Once\"," + sampling + ",\"logprobs\":2}");
      assertThat(completion.statusCode()).as(Http.text(completion)).isEqualTo(200);
      check(node.getKey(), "POST", COMPLETIONS, completion, "Completion");
    }
  }

  @Test
  void everyStreamedChunkHasEveryFieldClientsRead() throws Exception {
    String sampling =
        "\"model\":\""
            + MODEL
            + "\",\"max_tokens\":4,\"seed\":3,\"n\":2,\"stream\":true,"
            + "\"stream_options\":{\"include_usage\":true}";
    for (Map.Entry<String, Integer> node : nodes().entrySet()) {
      Http http = new Http(node.getValue());
      HttpResponse<byte[]> chat =
          http.postJson(
              CHAT,
              "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
                  + sampling
                  + ",\"logprobs\":true}");
      check(node.getKey(), "POST", CHAT, chat, "ChatCompletionChunk");
      List<Sse.Event> events = Sse.parse(Http.text(chat));
      JsonNode first = JSON.readTree(events.getFirst().data());
      assertThat(first.at("/choices/0/delta/role").asText()).isEqualTo("assistant");
      JsonNode usage = JSON.readTree(events.get(events.size() - 2).data());
      assertThat(usage.path("choices")).isEmpty();
      assertThat(usage.at("/usage/total_tokens").asInt()).isPositive();

      HttpResponse<byte[]> completion =
          http.postJson(COMPLETIONS, "{\"prompt\":\"Once\"," + sampling + ",\"echo\":true}");
      check(node.getKey(), "POST", COMPLETIONS, completion, "CompletionChunk");
    }
  }

  @Test
  void generateStreamsTokensThenItsFigures() throws Exception {
    for (Map.Entry<String, Integer> node : nodes().entrySet()) {
      Http http = new Http(node.getValue());
      Conformance described = new Conformance(OpenApiServedTest.description(node.getValue()));
      for (String stream : List.of("true", "false")) {
        HttpResponse<byte[]> r =
            http.postJson(
                "/v1/generate",
                "{\"prompt\":\"Once\",\"max_tokens\":3,\"seed\":7,\"stream\":" + stream + "}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(described.errors("POST", "/v1/generate", r))
            .as(node.getKey() + " " + Http.text(r))
            .isEmpty();
      }
    }
  }

  @Test
  void refusalsAreInOpenAisErrorShape() throws Exception {
    for (Map.Entry<String, Integer> node : nodes().entrySet()) {
      Http http = new Http(node.getValue());
      HttpResponse<byte[]> tools =
          http.postJson(
              CHAT,
              "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"tools\":[{\"type\":\"x\"}]}");
      assertThat(tools.statusCode()).isEqualTo(400);
      check(node.getKey(), "POST", CHAT, tools, "Error");
      HttpResponse<byte[]> unknown =
          http.postJson(COMPLETIONS, "{\"prompt\":\"Once\",\"temprature\":1}");
      assertThat(unknown.statusCode()).isEqualTo(400);
      check(node.getKey(), "POST", COMPLETIONS, unknown, "Error");
    }
  }
}
