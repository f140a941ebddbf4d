package dev.wasmgrid.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wasmgrid.grid.discovery.WorkerSources;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.llm.ScalarCompute;
import dev.wasmgrid.llm.worker.LlmTestModels;
import dev.wasmgrid.matmul.Dtype;
import dev.wasmgrid.matmul.Matrix;
import dev.wasmgrid.matmul.RandomMatrices;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.matmul.wire.MatrixFrames;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.testing.Nodes;
import dev.wasmgrid.testing.Poll;
import dev.wasmgrid.testing.WorkerList;
import dev.wasmgrid.worker.WorkerConfig;
import dev.wasmgrid.worker.WorkerNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A coordinator whose token its worker refuses: the client, whose token was right, gets 502 {@code
 * worker_unauthorized}, not the worker's 401, and the worker stays out of the pool although its
 * {@code GET /health/ready} (which needs no token) answers 200, until it accepts the token.
 */
class WorkerTokenMismatchTest {
  private static final String COORDINATOR_TOKEN = "coordinator-token";
  private static final Pattern PROBES_REFUSED =
      Pattern.compile(
          "wasmgrid_http_requests_seconds_count\\{method=\"HEAD\",route=\"[^\"]*\",status=\"401\"}"
              + " (\\d+)");

  @Test
  void aWorkerRefusingTheCoordinatorsTokenIsA502AndStaysOutUntilItAcceptsIt() {
    WorkerNode worker = WorkerNode.start(settings(0, "worker-token"), gemm());
    int port = worker.port();
    String url = Nodes.url(port);
    try (CoordinatorNode coordinator =
        CoordinatorNode.start(
            CoordinatorConfig.builder(settings(0, COORDINATOR_TOKEN), null)
                .workers(WorkerSources.parse(List.of(url)))
                .workerTimeout(Duration.ofSeconds(10))
                .discovery(Nodes.FAST)
                .build())) {
      try (worker) {
        for (int i = 0; i < 3; i++) {
          HttpResponse<byte[]> refused = rpc(coordinator);
          assertThat(refused.statusCode()).as(Http.text(refused)).isEqualTo(502);
          assertThat(Http.text(refused))
              .contains("{\"name\":\"code\",\"value\":\"worker_unauthorized\"}")
              .contains(url, "does not accept this coordinator's token")
              .doesNotContain(COORDINATOR_TOKEN, "worker-token");
        }
        assertThat(state(coordinator, url)).isEqualTo("unauthorized");
        // Its readiness probe answers 200 without a token; the probe must not bring it back.
        Poll.until(
            "the probe has asked with the token twice",
            Duration.ofSeconds(20),
            () -> probesRefused(worker) >= 2);
        assertThat(state(coordinator, url)).isEqualTo("unauthorized");
        assertThat(rpc(coordinator).statusCode()).isEqualTo(502);
      }
      // The worker comes back with the coordinator's token: the probe lets it in again.
      try (WorkerNode fixed = WorkerNode.start(settings(port, COORDINATOR_TOKEN), gemm())) {
        assertThat(fixed.port()).isEqualTo(port);
        Poll.until(
            "the worker is back",
            Duration.ofSeconds(20),
            () -> state(coordinator, url).equals("up"));
        HttpResponse<byte[]> ok = rpc(coordinator);
        assertThat(ok.statusCode()).as(Http.text(ok)).isEqualTo(200);
        assertThat(Http.text(ok)).contains("[[19,22],[43,50]]");
      }
    } finally {
      worker.close();
    }
  }

  @Test
  void aDistributedProductWithEveryWorkerRefusingTheTokenIsA502() {
    try (WorkerNode worker = WorkerNode.start(settings(0, "worker-token"), gemm());
        CoordinatorNode coordinator = coordinator(worker)) {
      Matrix a = RandomMatrices.of(Dtype.F64, 256, 256, 1);
      Matrix b = RandomMatrices.of(Dtype.F64, 256, 256, 2);
      HttpResponse<byte[]> product =
          new Http(coordinator.port())
              .send(
                  HttpRequest.newBuilder(
                          URI.create(Nodes.url(coordinator.port()) + "/v1/matmul?mode=distributed"))
                      .header("Authorization", "Bearer " + COORDINATOR_TOKEN)
                      .header("Content-Type", MatrixFrames.MEDIA_TYPE)
                      .POST(HttpRequest.BodyPublishers.ofByteArray(MatrixFrames.encode(a, b))));
      assertThat(product.statusCode()).as(Http.text(product)).isEqualTo(502);
      assertThat(Http.text(product))
          .contains("worker_unauthorized", Nodes.url(worker.port()))
          .doesNotContain("every worker failed ()");
    }
  }

  @Test
  void languageModelRoutesSayTheWorkerRefusedTheTokenNotThatNoModelExists() {
    try (WorkerNode worker =
            WorkerConfig.builder(settings(0, "worker-token"), gemm())
                .models(LlmTestModels.hosts("tiny-test", new ScalarCompute(), 8))
                .start();
        CoordinatorNode coordinator = coordinator(worker)) {
      for (String body :
          List.of(
              "{\"prompt\":\"Once\",\"max_tokens\":2}",
              "{\"model\":\"tiny-test\",\"prompt\":\"Once\",\"max_tokens\":2}")) {
        HttpResponse<byte[]> refused =
            new Http(coordinator.port())
                .send(
                    HttpRequest.newBuilder(
                            URI.create(Nodes.url(coordinator.port()) + "/v1/completions"))
                        .header("Authorization", "Bearer " + COORDINATOR_TOKEN)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)));
        assertThat(refused.statusCode()).as(Http.text(refused)).isEqualTo(502);
        assertThat(Http.text(refused))
            .contains("worker_unauthorized", Nodes.url(worker.port()))
            .doesNotContain(COORDINATOR_TOKEN, "worker-token");
      }
    }
  }

  /** A coordinator with {@code worker} and no kernel of its own, holding the other token. */
  private static CoordinatorNode coordinator(WorkerNode worker) {
    return CoordinatorNode.start(
        CoordinatorConfig.builder(settings(0, COORDINATOR_TOKEN), null)
            .workers(WorkerSources.parse(List.of(Nodes.url(worker.port()))))
            .workerTimeout(Duration.ofSeconds(10))
            .discovery(Nodes.FAST)
            .build());
  }

  private static ServerSettings settings(int port, String token) {
    return new ServerSettings("127.0.0.1", port, Limits.DEFAULTS, Optional.of(token));
  }

  private static ReferenceGemm gemm() {
    return new ReferenceGemm(1);
  }

  private static HttpResponse<byte[]> rpc(CoordinatorNode coordinator) {
    return new Http(coordinator.port())
        .send(
            HttpRequest.newBuilder(URI.create(Nodes.url(coordinator.port()) + "/rpc"))
                .header("Authorization", "Bearer " + COORDINATOR_TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Nodes.SEED)));
  }

  private static String state(CoordinatorNode coordinator, String url) {
    HttpResponse<byte[]> list =
        new Http(coordinator.port())
            .send(
                HttpRequest.newBuilder(URI.create(Nodes.url(coordinator.port()) + "/v1/workers"))
                    .header("Authorization", "Bearer " + COORDINATOR_TOKEN));
    for (JsonNode worker : WorkerList.json(Http.text(list)).get("workers")) {
      if (worker.get("url").asText().equals(url)) {
        return worker.get("state").asText();
      }
    }
    return "absent";
  }

  private static long probesRefused(WorkerNode worker) {
    String metrics =
        Http.text(
            new Http(worker.port())
                .send(
                    HttpRequest.newBuilder(URI.create(Nodes.url(worker.port()) + "/metrics"))
                        .header("Authorization", "Bearer worker-token")));
    Matcher m = PROBES_REFUSED.matcher(metrics);
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }
}
