package dev.wasmgrid.llm.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.http.Limits;
import dev.wasmgrid.llm.Tokenizer;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.testing.Poll;
import dev.wasmgrid.testing.RawHttp;
import dev.wasmgrid.worker.WorkerNode;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Admission on a worker whose model is held still by a {@link GatedCompute}: one generation runs,
 * the queue takes its bound, the next request gets 503, and a client that goes away mid-stream
 * cancels its generation.
 */
class LlmAdmissionTest {
  private static final Duration LIMIT = Duration.ofSeconds(30);

  private static WorkerNode start(GatedCompute gate, int queue) {
    return LlmTestModels.worker(Limits.DEFAULTS, LlmTestModels.hosts("gated", gate, queue));
  }

  private static HostedModel host(WorkerNode worker) {
    return worker.models().find("gated");
  }

  private static final String BODY =
      "{\"prompt\":\"a\",\"max_tokens\":2,\"ignore_eos\":true,\"stream\":false}";

  /** A generation sent, and held in its forward pass. */
  private record Held(
      HttpClient client, HttpRequest request, CompletableFuture<HttpResponse<String>> running) {}

  private static Held holdOneGeneration(WorkerNode worker, GatedCompute gate) {
    HttpClient client = HttpClient.newHttpClient();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + worker.port() + "/v1/generate"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(BODY))
            .build();
    CompletableFuture<HttpResponse<String>> running =
        client.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    Poll.until("the generation waits in its forward pass", LIMIT, gate::waiting);
    return new Held(client, request, running);
  }

  @Test
  void overTheQueueBoundRequestsGet503WithRetryAfter() throws Exception {
    GatedCompute gate = new GatedCompute(LlmTestModels.vocabSize());
    try (WorkerNode worker = start(gate, 1)) {
      Held held = holdOneGeneration(worker, gate);
      CompletableFuture<HttpResponse<String>> running = held.running();
      CompletableFuture<HttpResponse<String>> queued =
          held.client().sendAsync(held.request(), HttpResponse.BodyHandlers.ofString());
      Poll.until("the second request is queued", LIMIT, () -> host(worker).admitted() == 2);

      HttpResponse<byte[]> refused = new Http(worker.port()).postJson("/v1/generate", BODY);
      assertThat(refused.statusCode()).isEqualTo(503);
      assertThat(Http.text(refused)).contains("\"code\":\"too_many_generations\"");
      assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");

      gate.allow(1000);
      assertThat(running.get().statusCode()).isEqualTo(200);
      assertThat(queued.get().statusCode()).isEqualTo(200);
      assertThat(host(worker).admitted()).isZero();
    }
  }

  @Test
  void aPromptTooLongIsRefusedWithoutWaitingForTheModelOrTakingAPlace() throws Exception {
    GatedCompute gate = new GatedCompute(LlmTestModels.vocabSize());
    try (WorkerNode worker = start(gate, 0)) {
      CompletableFuture<HttpResponse<String>> running = holdOneGeneration(worker, gate).running();

      // With the model busy and no queue, any request that needed the model would get 503. A
      // megabyte of words is refused from its length; a prompt short enough to pass that bound is
      // encoded and refused by its token count, also without the model.
      Tokenizer tokenizer = LlmTestModels.reference().tokenizer();
      String counted = "x ".repeat(150);
      assertThat(tokenizer.minimumLength(counted, true)).isLessThan(128);
      assertThat(tokenizer.encode(counted, true).length).isGreaterThanOrEqualTo(128);
      Http http = new Http(worker.port());
      for (String prompt : List.of("word ".repeat(200_000), counted)) {
        HttpResponse<byte[]> refused =
            http.postJson("/v1/completions", "{\"prompt\":\"" + prompt + "\",\"stream\":false}");
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(Http.text(refused))
            .contains("\"code\":\"prompt_too_long\"")
            .contains("the context holds 128");
      }
      assertThat(host(worker).admitted()).isEqualTo(1);

      gate.allow(1000);
      assertThat(running.get().statusCode()).isEqualTo(200);
    }
  }

  @Test
  void aModelWithTwoSlotsRunsTwoGenerationsAtOnce() throws Exception {
    GatedCompute gate = new GatedCompute(LlmTestModels.vocabSize());
    var model = LlmTestModels.model();
    HostedModel twoSlots =
        new HostedModel("gated", new dev.wasmgrid.llm.LanguageModel(model, gate, 2), 0);
    try (WorkerNode worker =
        LlmTestModels.worker(Limits.DEFAULTS, new ModelHosts(List.of(twoSlots)))) {
      HttpClient client = HttpClient.newHttpClient();
      String body = "{\"prompt\":\"a\",\"max_tokens\":2,\"ignore_eos\":true,\"stream\":false}";
      HttpRequest request =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + worker.port() + "/v1/generate"))
              .POST(HttpRequest.BodyPublishers.ofString(body))
              .build();
      List<CompletableFuture<HttpResponse<String>>> both =
          List.of(
              client.sendAsync(request, HttpResponse.BodyHandlers.ofString()),
              client.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
      Poll.until("both generations run", LIMIT, () -> twoSlots.running() == 2);
      HttpResponse<byte[]> refused = new Http(worker.port()).postJson("/v1/generate", BODY);
      assertThat(refused.statusCode()).isEqualTo(503);
      gate.allow(1000);
      for (CompletableFuture<HttpResponse<String>> r : both) {
        assertThat(r.get().statusCode()).isEqualTo(200);
      }
      assertThat(twoSlots.running()).isZero();
    }
  }

  @Test
  void aClientThatGoesAwayMidStreamCancelsItsGeneration() throws Exception {
    GatedCompute gate = new GatedCompute(LlmTestModels.vocabSize());
    try (WorkerNode worker = start(gate, 8)) {
      int maxTokens = 100;
      String body = "{\"prompt\":\"a\",\"max_tokens\":" + maxTokens + ",\"ignore_eos\":true}";
      try (Socket socket = RawHttp.postJson(worker.port(), "/v1/generate", body)) {
        // The prompt's passes, then the first token; the stream is read up to it.
        int promptTokens = LlmTestModels.reference().tokenizer().encode("a", true).length;
        gate.allow(promptTokens);
        RawHttp.readUntil(socket.getInputStream(), "event: token");
      }
      LlmMetrics metrics = worker.llmMetrics();
      gate.stepUntil("cancelled", maxTokens, () -> metrics.generations("gated", "cancelled") == 1);
      gate.allow(1000);
      assertThat(metrics.generations("gated", "max_tokens")).isZero();
      assertThat(gate.passes()).isLessThan(maxTokens);
      // The model is free: a later request runs at once.
      HttpResponse<byte[]> next =
          new Http(worker.port())
              .postJson(
                  "/v1/generate",
                  "{\"prompt\":\"a\",\"max_tokens\":2,\"ignore_eos\":true,\"stream\":false}");
      assertThat(next.statusCode()).isEqualTo(200);
      assertThat(List.of(metrics.generations("gated", "max_tokens"))).containsExactly(1.0);
    }
  }
}
