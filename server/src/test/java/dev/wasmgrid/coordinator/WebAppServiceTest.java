package dev.wasmgrid.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.grid.discovery.WorkerSources;
import dev.wasmgrid.http.GridServer;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.Reply;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.testing.Nodes;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The web app's files over real HTTP: types, isolation headers, revalidation, no token. */
class WebAppServiceTest {

  @Test
  void filesAreServedIsolatedTypedAndWithoutTheToken() {
    try (GridServer server = server()) {
      Http http = new Http(server.port());
      HttpResponse<byte[]> index = http.get("/");
      assertThat(index.statusCode()).isEqualTo(200);
      assertThat(Http.text(index)).contains("app/main.js");
      assertThat(index.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
      assertThat(index.headers().firstValue("Cross-Origin-Opener-Policy")).hasValue("same-origin");
      assertThat(index.headers().firstValue("Cross-Origin-Embedder-Policy"))
          .hasValue("require-corp");
      assertThat(index.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
      assertThat(index.headers().firstValue("Cache-Control")).hasValue("no-cache");

      assertThat(http.get("/app/main.js").headers().firstValue("Content-Type"))
          .hasValue("text/javascript; charset=utf-8");
      HttpResponse<byte[]> wasm = http.get("/app/k.wasm");
      assertThat(wasm.headers().firstValue("Content-Type")).hasValue("application/wasm");
      assertThat(wasm.body()).startsWith(0, 'a', 's', 'm');

      // The API behind the same server still needs the token.
      assertThat(http.postJson("/echo", "{}").statusCode()).isEqualTo(401);
    }
  }

  @Test
  void anUnchangedFileIsRevalidatedWithItsEtag() {
    try (GridServer server = server()) {
      Http http = new Http(server.port());
      String etag = http.get("/app/main.js").headers().firstValue("ETag").orElseThrow();
      HttpResponse<byte[]> again =
          http.send(
              HttpRequest.newBuilder(URI.create(Nodes.url(server.port()) + "/app/main.js"))
                  .header("If-None-Match", etag));
      assertThat(again.statusCode()).isEqualTo(304);
      assertThat(again.body()).isEmpty();
      HttpResponse<byte[]> stale =
          http.send(
              HttpRequest.newBuilder(URI.create(Nodes.url(server.port()) + "/app/main.js"))
                  .header("If-None-Match", "\"stale\""));
      assertThat(stale.statusCode()).isEqualTo(200);
    }
  }

  @Test
  void aFileInAFolderOfTheAppIsServed() {
    try (GridServer server = server()) {
      HttpResponse<byte[]> inner = new Http(server.port()).get("/app/part/inner.js");
      assertThat(inner.statusCode()).isEqualTo(200);
      assertThat(inner.headers().firstValue("Content-Type"))
          .hasValue("text/javascript; charset=utf-8");
      assertThat(Http.text(inner)).contains("export const part");
    }
  }

  @Test
  void onlyTheAppsOwnFilesOfKnownTypesAreServed() {
    try (GridServer server = server()) {
      Http http = new Http(server.port());
      for (String path :
          List.of(
              "/app/missing.js",
              "/app/notes.txt",
              "/app/..%2Fapp%2Fmain.js",
              "/app/sub/main.js",
              "/app/part/..%2Fmain.js",
              "/app/part/",
              "/app/.hidden.js")) {
        HttpResponse<byte[]> response = http.get(path);
        assertThat(response.statusCode()).as(path).isEqualTo(404);
        assertThat(Http.text(response)).as(path).contains("\"code\":\"not_found\"");
      }
    }
  }

  @Test
  void aCoordinatorWithoutTheWebModuleSaysSo() {
    try (CoordinatorNode coordinator =
        Nodes.coordinator(WorkerSources.parse(List.of()), Nodes.FAST)) {
      HttpResponse<byte[]> index = new Http(coordinator.port()).get("/");
      assertThat(index.statusCode()).isEqualTo(404);
      assertThat(Http.text(index)).contains("no web app");
    }
  }

  private static GridServer server() {
    return GridServer.start(
        new GridServer.Config(
            new ServerSettings("127.0.0.1", 0, Limits.DEFAULTS, Optional.of("s3cret")),
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
            () -> true,
            List.of(
                routes ->
                    routes.postBody(
                        "/echo", (contentType, body, query) -> new Reply(200, contentType, body)),
                new WebAppService("dev/wasmgrid/web/testapp"))));
  }
}
