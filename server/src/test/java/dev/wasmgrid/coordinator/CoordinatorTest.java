package dev.wasmgrid.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.matmul.Gemm;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.testing.Nodes;
import dev.wasmgrid.worker.WorkerNode;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The coordinator over real HTTP: embedded worker, remote workers, and failover. */
class CoordinatorTest {

  @Test
  void embeddedDefaultAnswersTheSeedRequest() {
    try (CoordinatorNode coordinator = start(List.of())) {
      HttpResponse<byte[]> response = new Http(coordinator.port()).postJson("/rpc", Nodes.SEED);
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(Http.text(response)).contains(Nodes.SEED_ANSWER);
      assertThat(coordinator.workerNames()).containsExactly("in-process");
    }
  }

  @Test
  void remoteWorkerGetsTheWorkAndADeadOneIsSkipped() {
    URI dead = URI.create("http://127.0.0.1:" + Nodes.freePort());
    try (WorkerNode worker =
            WorkerNode.start(
                ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS), new ReferenceGemm(1));
        CoordinatorNode coordinator =
            start(List.of(dead, URI.create("http://127.0.0.1:" + worker.port())))) {
      Http http = new Http(coordinator.port());
      for (int i = 0; i < 4; i++) {
        HttpResponse<byte[]> response = http.postJson("/rpc", Nodes.SEED);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Http.text(response)).contains(Nodes.SEED_ANSWER);
      }
      assertThat(Http.text(new Http(worker.port()).get("/metrics")))
          .containsPattern(
              "wasmgrid_http_requests_seconds_count\\{method=\"POST\",route=\"/rpc\",status=\"200\"} 4");
    }
  }

  @Test
  void workerErrorsAreRelayedAndNoWorkerIs503() {
    try (WorkerNode worker =
            WorkerNode.start(
                ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS), new ReferenceGemm(1));
        CoordinatorNode coordinator =
            start(List.of(URI.create("http://127.0.0.1:" + worker.port())))) {
      HttpResponse<byte[]> bad = new Http(coordinator.port()).postJson("/rpc", "{\"meta\":");
      assertThat(bad.statusCode()).isEqualTo(400);
      assertThat(Http.text(bad)).contains("malformed_json");
    }
    List<URI> dead = List.of(URI.create("http://127.0.0.1:" + Nodes.freePort()));
    try (CoordinatorNode orphan = start(dead, null)) {
      HttpResponse<byte[]> response = new Http(orphan.port()).postJson("/rpc", Nodes.SEED);
      assertThat(response.statusCode()).isEqualTo(503);
      assertThat(Http.text(response))
          .contains("{\"name\":\"code\",\"value\":\"no_worker_available\"}");
    }
    // A coordinator with a kernel of its own computes what no worker can take.
    try (CoordinatorNode fallback = start(dead, new ReferenceGemm(1))) {
      HttpResponse<byte[]> response = new Http(fallback.port()).postJson("/rpc", Nodes.SEED);
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(Http.text(response)).contains(Nodes.SEED_ANSWER);
    }
  }

  private static CoordinatorNode start(List<URI> workers) {
    return start(workers, new ReferenceGemm(1));
  }

  private static CoordinatorNode start(List<URI> workers, Gemm localGemm) {
    return CoordinatorNode.start(
        ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS),
        workers,
        Duration.ofSeconds(10),
        localGemm);
  }
}
