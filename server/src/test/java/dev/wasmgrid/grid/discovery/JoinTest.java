package dev.wasmgrid.grid.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wasmgrid.coordinator.CoordinatorNode;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.testing.Nodes;
import dev.wasmgrid.testing.Poll;
import dev.wasmgrid.testing.WorkerList;
import dev.wasmgrid.worker.CoordinatorLink;
import dev.wasmgrid.worker.WorkerNode;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Workers that join a coordinator and send heartbeats, over real HTTP. */
class JoinTest {
  static final Duration RETRY = Duration.ofMillis(100);
  static final WorkerSources JOIN_ONLY = new WorkerSources(List.of(), true);

  @Test
  void aJoinedWorkerIsListedAndGetsTheWork() {
    try (CoordinatorNode coordinator = Nodes.coordinator(JOIN_ONLY, Nodes.FAST);
        WorkerNode worker = Nodes.worker(0)) {
      Http http = new Http(coordinator.port());
      String url = Nodes.url(worker.port());
      assertThat(http.postJson("/rpc", Nodes.SEED).statusCode()).isEqualTo(503);

      worker.join(coordinatorUrl(coordinator), URI.create(url), RETRY);
      Poll.until("the worker is up", Duration.ofSeconds(5), () -> isUp(http, url));
      JsonNode listed = WorkerList.find(http, url).orElseThrow();
      assertThat(listed.get("source").asText()).isEqualTo("join");
      assertThat(listed.get("last_seen").isTextual()).isTrue();

      HttpResponse<byte[]> answer = http.postJson("/rpc", Nodes.SEED);
      assertThat(answer.statusCode()).isEqualTo(200);
      assertThat(Http.text(answer)).contains(Nodes.SEED_ANSWER);
      assertThat(Nodes.rpcServed(worker.port())).isEqualTo(1);
    }
  }

  @Test
  void aWorkerWhoseHeartbeatsStopIsDropped() {
    try (CoordinatorNode coordinator = Nodes.coordinator(JOIN_ONLY, Nodes.FAST);
        WorkerNode worker = Nodes.worker(0)) {
      Http http = new Http(coordinator.port());
      String url = Nodes.url(worker.port());
      CoordinatorLink link = worker.join(coordinatorUrl(coordinator), URI.create(url), RETRY);
      Poll.until("the worker is listed", Duration.ofSeconds(5), () -> isUp(http, url));
      // Heartbeats keep it listed well past the 300 ms timeout.
      Poll.holds(
          "the worker stays listed",
          Duration.ofSeconds(1),
          () -> WorkerList.find(http, url).isPresent());

      link.close();
      Poll.until(
          "the silent worker is dropped",
          Duration.ofSeconds(5),
          () -> WorkerList.find(http, url).isEmpty());
      // It was dropped for silence, not failures: it still serves.
      assertThat(new Http(worker.port()).get("/health/ready").statusCode()).isEqualTo(200);
      assertThat(http.postJson("/rpc", Nodes.SEED).statusCode()).isEqualTo(503);
    }
  }

  @Test
  void aRestartedWorkerRejoinsAsTheSameEntryWithFailuresCleared() {
    // Heartbeats every second (timeout 3 s), so the restart happens well within the timeout; no
    // probes during the test, so only the rejoin can bring the worker back up.
    DiscoverySettings settings =
        new DiscoverySettings(
            Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofMinutes(10), 2);
    try (CoordinatorNode coordinator = Nodes.coordinator(JOIN_ONLY, settings)) {
      Http http = new Http(coordinator.port());
      URI joinAt = coordinatorUrl(coordinator);
      int port;
      String url;
      try (WorkerNode first = Nodes.worker(0)) {
        port = first.port();
        url = Nodes.url(port);
        first.join(joinAt, URI.create(url), RETRY);
        Poll.until("the worker is up", Duration.ofSeconds(5), () -> isUp(http, url));
        assertThat(http.postJson("/rpc", Nodes.SEED).statusCode()).isEqualTo(200);
      }
      assertThat(http.postJson("/rpc", Nodes.SEED).statusCode()).isEqualTo(503);
      assertThat(http.postJson("/rpc", Nodes.SEED).statusCode()).isEqualTo(503);
      assertThat(WorkerList.state(http, url)).isEqualTo("down");

      try (WorkerNode second = Nodes.worker(port)) {
        second.join(joinAt, URI.create(url), RETRY);
        Poll.until("the restarted worker is up", Duration.ofSeconds(5), () -> isUp(http, url));
        List<JsonNode> workers = WorkerList.all(http);
        assertThat(workers).hasSize(1);
        assertThat(workers.getFirst().get("consecutive_failures").asInt()).isZero();
        // The entry survived the restart: its call count goes on from before.
        assertThat(workers.getFirst().get("calls").asLong()).isEqualTo(3);
        assertThat(http.postJson("/rpc", Nodes.SEED).statusCode()).isEqualTo(200);
        assertThat(Nodes.rpcServed(second.port())).isEqualTo(1);
      }
    }
  }

  @Test
  void joinsAreRefusedUnlessEnabledAndBadOnesAreNamed() {
    try (CoordinatorNode closed =
        Nodes.coordinator(WorkerSources.parse(List.of(Nodes.url(Nodes.freePort()))), Nodes.FAST)) {
      HttpResponse<byte[]> refused =
          new Http(closed.port()).postJson("/v1/workers/join", "{\"url\":\"http://127.0.0.1:9\"}");
      assertThat(refused.statusCode()).isEqualTo(403);
      assertThat(Http.text(refused)).contains("joins_disabled");
    }
    try (CoordinatorNode open = Nodes.coordinator(JOIN_ONLY, Nodes.FAST)) {
      Http http = new Http(open.port());
      HttpResponse<byte[]> missing = http.postJson("/v1/workers/join", "{}");
      assertThat(missing.statusCode()).isEqualTo(400);
      assertThat(WorkerList.json(Http.text(missing)).at("/error/field").asText()).isEqualTo("url");
      HttpResponse<byte[]> bad =
          http.postJson("/v1/workers/join", "{\"url\":\"ftp://127.0.0.1:9/x\"}");
      assertThat(bad.statusCode()).isEqualTo(400);
      assertThat(Http.text(bad)).contains("invalid_url");
      assertThat(http.get("/v1/workers/join").statusCode()).isEqualTo(405);
      assertThat(http.postJson("/v1/workers", "{}").statusCode()).isEqualTo(405);

      HttpResponse<byte[]> ok =
          http.postJson("/v1/workers/join", "{\"url\":\"http://127.0.0.1:9/\"}");
      assertThat(ok.statusCode()).isEqualTo(200);
      JsonNode answer = WorkerList.json(Http.text(ok));
      assertThat(answer.get("url").asText()).isEqualTo("http://127.0.0.1:9");
      assertThat(answer.get("heartbeat_interval_ms").asLong()).isEqualTo(100);
      assertThat(answer.get("timeout_ms").asLong()).isEqualTo(300);
    }
  }

  private static URI coordinatorUrl(CoordinatorNode coordinator) {
    return URI.create(Nodes.url(coordinator.port()));
  }

  private static boolean isUp(Http http, String url) {
    return WorkerList.state(http, url).equals("up");
  }
}
