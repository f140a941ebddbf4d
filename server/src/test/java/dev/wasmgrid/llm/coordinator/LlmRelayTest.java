package dev.wasmgrid.llm.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wasmgrid.coordinator.CoordinatorConfig;
import dev.wasmgrid.coordinator.CoordinatorNode;
import dev.wasmgrid.grid.discovery.WorkerSources;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.llm.GenerationConfig;
import dev.wasmgrid.llm.LanguageModel;
import dev.wasmgrid.llm.ScalarCompute;
import dev.wasmgrid.llm.worker.GatedCompute;
import dev.wasmgrid.llm.worker.LlmTestModels;
import dev.wasmgrid.llm.worker.ModelHosts;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.testing.BreakingWorker;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.testing.Nodes;
import dev.wasmgrid.testing.Poll;
import dev.wasmgrid.testing.RawHttp;
import dev.wasmgrid.testing.Sse;
import dev.wasmgrid.worker.WorkerNode;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The coordinator's language-model routes: relayed to workers over HTTP, or served in-process. */
class LlmRelayTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String REQUEST =
      "{\"prompt\":\"Once upon a time\",\"max_tokens\":25,\"temperature\":0.7,\"seed\":5";

  private static WorkerNode worker(ModelHosts hosts) {
    return LlmTestModels.worker(Limits.DEFAULTS, hosts);
  }

  private static CoordinatorNode coordinator(WorkerNode... workers) {
    List<String> urls = new ArrayList<>();
    for (WorkerNode w : workers) {
      urls.add(Nodes.url(w.port()));
    }
    return Nodes.coordinator(WorkerSources.parse(urls), Nodes.FAST);
  }

  private static String expectedText() {
    try (LanguageModel reference = LlmTestModels.reference()) {
      return reference
          .generate(
              "Once upon a time",
              GenerationConfig.defaults().withMaxTokens(25).withTemperature(0.7f).withSeed(5))
          .text();
    }
  }

  private static String streamedText(HttpResponse<byte[]> r) throws Exception {
    assertThat(r.statusCode()).isEqualTo(200);
    StringBuilder text = new StringBuilder();
    for (Sse.Event e : Sse.parse(Http.text(r))) {
      if ("token".equals(e.name())) {
        text.append(JSON.readTree(e.data()).get("token").asText());
      }
    }
    return text.toString();
  }

  @Test
  void theCoordinatorRelaysToTheWorkerHostingTheModel() throws Exception {
    try (WorkerNode other = worker(LlmTestModels.hosts("other", new ScalarCompute(), 8));
        WorkerNode hosting = worker(LlmTestModels.hosts("tiny-test", new ScalarCompute(), 8));
        CoordinatorNode coordinator = coordinator(other, hosting)) {
      Http http = new Http(coordinator.port());
      String streamed =
          streamedText(http.postJson("/v1/generate", REQUEST + ",\"model\":\"tiny-test\"}"));
      assertThat(streamed).isEqualTo(expectedText());
      assertThat(
              hosting.llmMetrics().generations("tiny-test", "max_tokens")
                  + hosting.llmMetrics().generations("tiny-test", "eos"))
          .isEqualTo(1);

      JsonNode chat =
          JSON.readTree(
              http.postJson(
                      "/v1/chat/completions",
                      "{\"model\":\"tiny-test\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                          + "\"max_tokens\":5}")
                  .body());
      assertThat(chat.get("object").asText()).isEqualTo("chat.completion");

      JsonNode models = JSON.readTree(http.get("/v1/models").body());
      List<String> ids = new ArrayList<>();
      models.get("data").forEach(m -> ids.add(m.get("id").asText()));
      assertThat(ids).containsExactlyInAnyOrder("other", "tiny-test");

      HttpResponse<byte[]> one = http.get("/v1/models/tiny-test");
      assertThat(one.statusCode()).isEqualTo(200);
      JsonNode model = JSON.readTree(one.body());
      assertThat(model.get("id").asText()).isEqualTo("tiny-test");
      assertThat(model.get("workers").get(0).asText()).isEqualTo(Nodes.url(hosting.port()));
      HttpResponse<byte[]> none = http.get("/v1/models/nope");
      assertThat(none.statusCode()).isEqualTo(404);
      JsonNode error = JSON.readTree(none.body()).get("error");
      assertThat(error.get("code").asText()).isEqualTo("model_not_found");
      assertThat(error.get("param").asText()).isEqualTo("model");

      // The worker's own 400 for a field it cannot honour reaches the client as it is.
      HttpResponse<byte[]> tools =
          http.postJson(
              "/v1/chat/completions",
              "{\"model\":\"tiny-test\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                  + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]}");
      assertThat(tools.statusCode()).isEqualTo(400);
      assertThat(JSON.readTree(tools.body()).get("error").get("param").asText()).isEqualTo("tools");

      HttpResponse<byte[]> unknown =
          http.postJson("/v1/generate", REQUEST + ",\"model\":\"nope\"}");
      assertThat(unknown.statusCode()).isEqualTo(404);
      assertThat(Http.text(unknown)).contains("\"code\":\"model_not_found\"");

      HttpResponse<byte[]> invalid =
          http.postJson("/v1/generate", REQUEST + ",\"model\":\"tiny-test\",\"top_p\":7}");
      assertThat(invalid.statusCode()).isEqualTo(400);
      assertThat(Http.text(invalid)).contains("\"field\":\"top_p\"");
    }
  }

  @Test
  void withoutAWorkerHostingAModelTheCoordinatorAnswers503() {
    try (WorkerNode bare = worker(ModelHosts.none());
        CoordinatorNode coordinator = coordinator(bare)) {
      HttpResponse<byte[]> r = new Http(coordinator.port()).postJson("/v1/generate", REQUEST + "}");
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(Http.text(r)).contains("\"code\":\"no_model_worker\"");
    }
  }

  @Test
  void aClientLeavingARelayedStreamCancelsTheWorkersGeneration() throws Exception {
    GatedCompute gate = new GatedCompute(LlmTestModels.vocabSize());
    try (WorkerNode hosting = worker(LlmTestModels.hosts("gated", gate, 8));
        CoordinatorNode coordinator = coordinator(hosting)) {
      String body = "{\"prompt\":\"a\",\"max_tokens\":100,\"ignore_eos\":true}";
      try (Socket socket = RawHttp.postJson(coordinator.port(), "/v1/generate", body)) {
        int promptTokens = LlmTestModels.reference().tokenizer().encode("a", true).length;
        gate.allow(promptTokens);
        RawHttp.readUntil(socket.getInputStream(), "event: token");
      }
      gate.stepUntil(
          "the worker's generation cancelled",
          100,
          () -> hosting.llmMetrics().generations("gated", "cancelled") == 1);
      gate.allow(1000);
      assertThat(gate.passes()).isLessThan(100);
    }
  }

  @Test
  void aWorkerStreamThatBreaksOffEndsWithAnErrorEventNotABrokenResponse() throws Exception {
    try (BreakingWorker broken = new BreakingWorker("breaks");
        CoordinatorNode coordinator =
            Nodes.coordinator(WorkerSources.parse(List.of(Nodes.url(broken.port()))), Nodes.FAST)) {
      Http http = new Http(coordinator.port());
      Poll.until(
          "the coordinator sees the model",
          Duration.ofSeconds(30),
          () -> {
            HttpResponse<byte[]> models = http.get("/v1/models");
            return Http.text(models).contains("breaks");
          });
      HttpResponse<byte[]> r =
          http.postJson("/v1/generate", "{\"model\":\"breaks\",\"prompt\":\"a\"}");
      assertThat(r.statusCode()).isEqualTo(200);
      List<Sse.Event> events = Sse.parse(Http.text(r));
      assertThat(events).extracting(Sse.Event::name).containsExactly("token", "error");
      JsonNode error = JSON.readTree(events.get(1).data()).get("error");
      assertThat(error.get("code").asText()).isEqualTo("worker_unreachable");
      assertThat(error.get("message").asText()).contains("broke off", "incomplete");
    }
  }

  @Test
  void anEmbeddedCoordinatorServesItsOwnModels() throws Exception {
    try (ModelHosts hosts = LlmTestModels.hosts("tiny-test", new ScalarCompute(), 8);
        CoordinatorNode coordinator =
            CoordinatorNode.start(
                CoordinatorConfig.builder(
                        ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS), new ReferenceGemm(1))
                    .workers(WorkerSources.parse(List.of()))
                    .workerTimeout(Duration.ofSeconds(10))
                    .discovery(Nodes.FAST)
                    .models(hosts)
                    .build())) {
      Http http = new Http(coordinator.port());
      assertThat(streamedText(http.postJson("/v1/generate", REQUEST + "}")))
          .isEqualTo(expectedText());
      assertThat(Http.text(http.get("/v1/models"))).contains("\"id\":\"tiny-test\"");
      assertThat(Http.text(http.get("/v1/models/tiny-test"))).contains("\"id\":\"tiny-test\"");
    }
  }
}
