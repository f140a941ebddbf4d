package dev.wasmgrid.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.testing.Nodes;
import dev.wasmgrid.worker.WorkerNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Browsers calling a worker directly: preflights, readable answers, allowed origins. */
class CorsTest {
  static final String APP = "http://127.0.0.1:8080";

  @Test
  void aPreflightIsAnsweredWithoutTheTokenAndTheAnswerIsReadable() {
    try (WorkerNode worker = worker(CorsPolicy.ANY)) {
      Http http = new Http(worker.port());
      HttpResponse<byte[]> preflight = http.send(preflight(worker, APP));
      assertThat(preflight.statusCode()).isEqualTo(204);
      assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue("*");
      assertThat(preflight.headers().firstValue("Access-Control-Allow-Headers").orElse(""))
          .contains("Authorization", "Content-Type");
      assertThat(preflight.headers().firstValue("Access-Control-Allow-Methods").orElse(""))
          .contains("POST");

      HttpResponse<byte[]> seed =
          http.send(
              HttpRequest.newBuilder(URI.create(Nodes.url(worker.port()) + "/rpc"))
                  .header("Origin", APP)
                  .header("Authorization", "Bearer s3cret")
                  .POST(HttpRequest.BodyPublishers.ofString(Nodes.SEED)));
      assertThat(seed.statusCode()).isEqualTo(200);
      assertThat(seed.headers().firstValue("Access-Control-Allow-Origin")).hasValue("*");
      assertThat(seed.headers().firstValue("Access-Control-Expose-Headers").orElse(""))
          .contains("Server-Timing");
    }
  }

  @Test
  void onlyListedOriginsMayReadAnswers() {
    try (WorkerNode worker = worker(new CorsPolicy(Set.of(APP)))) {
      Http http = new Http(worker.port());
      HttpResponse<byte[]> allowed = http.send(preflight(worker, APP));
      assertThat(allowed.statusCode()).isEqualTo(204);
      assertThat(allowed.headers().firstValue("Access-Control-Allow-Origin")).hasValue(APP);

      HttpResponse<byte[]> refused = http.send(preflight(worker, "http://evil.example"));
      assertThat(refused.statusCode()).isEqualTo(403);
      assertThat(Http.text(refused)).contains("origin_not_allowed");
      assertThat(refused.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();

      HttpResponse<byte[]> health =
          http.send(
              HttpRequest.newBuilder(URI.create(Nodes.url(worker.port()) + "/health/ready"))
                  .header("Origin", "http://evil.example"));
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(health.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    }
  }

  @Test
  void answersToOtherOriginsAreServedUnmarkedAndA401IsReadable() {
    try (WorkerNode worker = worker(new CorsPolicy(Set.of(APP)))) {
      Http http = new Http(worker.port());
      // Served, not refused: any client may send any Origin; only a browser keeps the answer from
      // the page, because no CORS header marks it readable.
      HttpResponse<byte[]> other = http.send(rpc(worker, "http://evil.example", "Bearer s3cret"));
      assertThat(other.statusCode()).isEqualTo(200);
      assertThat(other.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();

      // The app can tell its user that the token is wrong: the 401 is readable.
      HttpResponse<byte[]> wrongToken = http.send(rpc(worker, APP, "Bearer wrong"));
      assertThat(wrongToken.statusCode()).isEqualTo(401);
      assertThat(wrongToken.headers().firstValue("Access-Control-Allow-Origin")).hasValue(APP);
      assertThat(wrongToken.headers().firstValue("Vary")).hasValue("Origin");

      HttpResponse<byte[]> preflight = http.send(preflight(worker, APP));
      assertThat(preflight.headers().firstValue("Access-Control-Max-Age")).hasValue("600");
      assertThat(preflight.headers().firstValue("Vary")).hasValue("Origin");
    }
  }

  @Test
  void originsAreCheckedWhenParsed() {
    assertThat(CorsPolicy.parse(" http://a:1 , https://b.example ").origins())
        .containsExactlyInAnyOrder("http://a:1", "https://b.example");
    assertThatThrownBy(() -> CorsPolicy.parse("http://a/path"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no path");
    assertThatThrownBy(() -> CorsPolicy.parse(" , ")).isInstanceOf(IllegalArgumentException.class);
  }

  private static HttpRequest.Builder preflight(WorkerNode worker, String origin) {
    return HttpRequest.newBuilder(URI.create(Nodes.url(worker.port()) + "/v1/matmul"))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "authorization, content-type")
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody());
  }

  private static HttpRequest.Builder rpc(WorkerNode worker, String origin, String authorization) {
    return HttpRequest.newBuilder(URI.create(Nodes.url(worker.port()) + "/rpc"))
        .header("Origin", origin)
        .header("Authorization", authorization)
        .POST(HttpRequest.BodyPublishers.ofString(Nodes.SEED));
  }

  private static WorkerNode worker(CorsPolicy cors) {
    return WorkerNode.start(
        new ServerSettings("127.0.0.1", 0, Limits.DEFAULTS, Optional.of("s3cret"), cors),
        new ReferenceGemm(1));
  }
}
