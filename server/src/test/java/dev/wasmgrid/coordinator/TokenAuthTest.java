package dev.wasmgrid.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.grid.discovery.WorkerSources;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.testing.Nodes;
import dev.wasmgrid.testing.Poll;
import dev.wasmgrid.worker.WorkerNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A shared token guards every route but the health probes; the coordinator sends it on. */
class TokenAuthTest {
  static final String SEED = Nodes.SEED;

  @Test
  void callsWithoutTheTokenGet401AndTheCoordinatorSendsIt() {
    ServerSettings workerSettings =
        new ServerSettings("127.0.0.1", 0, Limits.DEFAULTS, Optional.of("s3cret"));
    try (WorkerNode worker = WorkerNode.start(workerSettings, new ReferenceGemm(1))) {
      Http http = new Http(worker.port());
      HttpResponse<byte[]> anonymous = http.postJson("/rpc", SEED);
      assertThat(anonymous.statusCode()).isEqualTo(401);
      assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
      assertThat(Http.text(anonymous))
          .contains("{\"name\":\"code\",\"value\":\"unauthorized\"}")
          .doesNotContain("s3cret");
      assertThat(call(http, worker.port(), "/rpc", "Bearer wrong").statusCode()).isEqualTo(401);
      assertThat(call(http, worker.port(), "/v1/matmul", "").statusCode()).isEqualTo(401);
      assertThat(http.get("/metrics").statusCode()).isEqualTo(401);
      assertThat(http.get("/health/live").statusCode()).isEqualTo(200);
      assertThat(http.get("/health/ready").statusCode()).isEqualTo(200);
      assertThat(call(http, worker.port(), "/rpc", "Bearer s3cret").statusCode()).isEqualTo(200);
      // RFC 7235: the scheme name is case-insensitive; the token is not.
      assertThat(call(http, worker.port(), "/rpc", "bearer s3cret").statusCode()).isEqualTo(200);
      assertThat(call(http, worker.port(), "/rpc", "BEARER  s3cret").statusCode()).isEqualTo(200);
      assertThat(call(http, worker.port(), "/rpc", "bearer S3CRET").statusCode()).isEqualTo(401);
      assertThat(call(http, worker.port(), "/rpc", "Basic s3cret").statusCode()).isEqualTo(401);

      URI workerUri = URI.create("http://127.0.0.1:" + worker.port());
      try (CoordinatorNode coordinator =
          CoordinatorNode.start(
              new ServerSettings("127.0.0.1", 0, Limits.DEFAULTS, Optional.of("s3cret")),
              List.of(workerUri),
              Duration.ofSeconds(10),
              new ReferenceGemm(1))) {
        Http front = new Http(coordinator.port());
        assertThat(front.postJson("/rpc", SEED).statusCode()).isEqualTo(401);
        HttpResponse<byte[]> ok = call(front, coordinator.port(), "/rpc", "Bearer s3cret");
        assertThat(ok.statusCode()).as(Http.text(ok)).isEqualTo(200);
        assertThat(Http.text(ok)).contains("[[19,22],[43,50]]");
      }
    }
  }

  @Test
  void workersJoinWithTheToken() {
    ServerSettings secured =
        new ServerSettings("127.0.0.1", 0, Limits.DEFAULTS, Optional.of("s3cret"));
    try (CoordinatorNode coordinator =
            CoordinatorNode.start(
                CoordinatorConfig.builder(secured, new ReferenceGemm(1))
                    .workers(WorkerSources.parse(List.of(WorkerSources.JOIN)))
                    .workerTimeout(Duration.ofSeconds(10))
                    .discovery(Nodes.FAST)
                    .build());
        WorkerNode worker = WorkerNode.start(secured, new ReferenceGemm(1))) {
      worker.join(
          URI.create(Nodes.url(coordinator.port())),
          URI.create(Nodes.url(worker.port())),
          Duration.ofMillis(100));
      // With joins only, the coordinator has no worker (503) until the authenticated join lands.
      Http front = new Http(coordinator.port());
      Poll.until(
          "the worker has joined",
          Duration.ofSeconds(20),
          () -> call(front, coordinator.port(), "/rpc", "Bearer s3cret").statusCode() == 200);
    }
  }

  private static HttpResponse<byte[]> call(Http http, int port, String path, String authorization) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(SEED, StandardCharsets.UTF_8));
    if (!authorization.isEmpty()) {
      request.header("Authorization", authorization);
    }
    return http.send(request);
  }
}
