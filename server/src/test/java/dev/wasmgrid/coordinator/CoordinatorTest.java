package dev.wasmgrid.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.worker.WorkerNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The coordinator over real HTTP: embedded worker, remote workers, and failover. */
class CoordinatorTest {
  static final String SEED =
      "{\"meta\":[{\"name\":\"method\",\"value\":\"multiply\"}],"
          + "\"content\":\"{\\\"A\\\":\\\"[[1,2],[3,4]]\\\",\\\"B\\\":\\\"[[5,6],[7,8]]\\\"}\"}";
  static final String SEED_ANSWER = "{\\\"C\\\":\\\"[[19,22],[43,50]]\\\"}";

  @Test
  void embeddedDefaultAnswersTheSeedRequest() {
    try (CoordinatorNode coordinator = start(List.of())) {
      HttpResponse<byte[]> response = new Http(coordinator.port()).postJson("/rpc", SEED);
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(Http.text(response)).contains(SEED_ANSWER);
      assertThat(coordinator.workerNames()).containsExactly("in-process");
    }
  }

  @Test
  void remoteWorkerGetsTheWorkAndADeadOneIsSkipped() throws IOException {
    URI dead = URI.create("http://127.0.0.1:" + freePort());
    try (WorkerNode worker =
            WorkerNode.start("127.0.0.1", 0, Limits.DEFAULTS, new ReferenceGemm(1));
        CoordinatorNode coordinator =
            start(List.of(dead, URI.create("http://127.0.0.1:" + worker.port())))) {
      Http http = new Http(coordinator.port());
      for (int i = 0; i < 4; i++) {
        HttpResponse<byte[]> response = http.postJson("/rpc", SEED);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Http.text(response)).contains(SEED_ANSWER);
      }
      assertThat(Http.text(new Http(worker.port()).get("/metrics")))
          .containsPattern(
              "wasmgrid_http_requests_seconds_count\\{method=\"POST\",route=\"/rpc\",status=\"200\"} 4");
    }
  }

  @Test
  void workerErrorsAreRelayedAndNoWorkerIs503() throws IOException {
    try (WorkerNode worker =
            WorkerNode.start("127.0.0.1", 0, Limits.DEFAULTS, new ReferenceGemm(1));
        CoordinatorNode coordinator =
            start(List.of(URI.create("http://127.0.0.1:" + worker.port())))) {
      HttpResponse<byte[]> bad = new Http(coordinator.port()).postJson("/rpc", "{\"meta\":");
      assertThat(bad.statusCode()).isEqualTo(400);
      assertThat(Http.text(bad)).contains("malformed_json");
    }
    try (CoordinatorNode orphan = start(List.of(URI.create("http://127.0.0.1:" + freePort())))) {
      HttpResponse<byte[]> response = new Http(orphan.port()).postJson("/rpc", SEED);
      assertThat(response.statusCode()).isEqualTo(503);
      assertThat(Http.text(response))
          .contains("{\"name\":\"code\",\"value\":\"no_worker_available\"}");
    }
  }

  private static CoordinatorNode start(List<URI> workers) {
    return CoordinatorNode.start(
        ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS),
        workers,
        Duration.ofSeconds(10),
        new ReferenceGemm(1));
  }

  /** A port nothing listens on: bound, read, released. */
  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
