package dev.wasmgrid.llm.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.grid.HttpWorkerClient;
import dev.wasmgrid.http.GridServer;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.llm.worker.GatedCompute;
import dev.wasmgrid.llm.worker.LlmTestModels;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.testing.Nodes;
import dev.wasmgrid.testing.Poll;
import dev.wasmgrid.worker.WorkerConfig;
import dev.wasmgrid.worker.WorkerNode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The coordinator's own bound: past its relays in flight, a request gets 503 without a worker. */
class LlmRelayBoundTest {
  private static final Duration LIMIT = Duration.ofSeconds(30);

  @Test
  void pastItsRelayBoundTheCoordinatorAnswers503WithRetryAfter() throws Exception {
    GatedCompute gate = new GatedCompute(LlmTestModels.vocabSize());
    try (WorkerNode worker =
            WorkerConfig.builder(
                    ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS), new ReferenceGemm(1))
                .models(LlmTestModels.hosts("gated", gate, 8))
                .start();
        GridServer relay =
            GridServer.start(
                new GridServer.Config(
                    ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS),
                    new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                    () -> true,
                    List.of(
                        new CoordinatorLlm(
                            () ->
                                List.of(
                                    new HttpWorkerClient(
                                        URI.create(Nodes.url(worker.port())),
                                        HttpWorkerClient.newWebClient(Duration.ofSeconds(5)),
                                        Duration.ofSeconds(30),
                                        Optional.empty())),
                            List::of,
                            1 << 20,
                            1))))) {
      String body = "{\"prompt\":\"a\",\"max_tokens\":2,\"ignore_eos\":true,\"stream\":false}";
      CompletableFuture<HttpResponse<String>> held =
          HttpClient.newHttpClient()
              .sendAsync(
                  HttpRequest.newBuilder(URI.create(Nodes.url(relay.port()) + "/v1/generate"))
                      .POST(HttpRequest.BodyPublishers.ofString(body))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      Poll.until("the relayed generation waits on the worker", LIMIT, gate::waiting);

      HttpResponse<byte[]> refused = new Http(relay.port()).postJson("/v1/generate", body);
      assertThat(refused.statusCode()).isEqualTo(503);
      assertThat(Http.text(refused))
          .contains("\"code\":\"too_many_generations\"")
          .contains("coordinator");
      assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
      assertThat(worker.models().find("gated").admitted()).isEqualTo(1);

      gate.allow(1000);
      assertThat(held.get().statusCode()).isEqualTo(200);
    }
  }
}
