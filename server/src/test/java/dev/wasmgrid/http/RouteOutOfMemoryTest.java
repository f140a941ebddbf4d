package dev.wasmgrid.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A route whose request runs the heap out is answered 503 out_of_memory, and serving goes on. */
class RouteOutOfMemoryTest {

  @Test
  void outOfMemoryInARouteIsA503InJsonAndTheServerKeepsServing() throws Exception {
    try (GridServer server =
        GridServer.start(
            new GridServer.Config(
                new ServerSettings("127.0.0.1", 0, Limits.DEFAULTS, Optional.empty()),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                () -> true,
                List.of(
                    routes ->
                        routes
                            .post(
                                "/v1/huge/{id}",
                                req -> {
                                  // What a too-large allocation throws, without exhausting the
                                  // test's heap.
                                  throw new OutOfMemoryError("Java heap space");
                                })
                            .get("/v1/small/{id}", req -> Reply.json(200, "{\"ok\":true}")))))) {
      HttpClient http = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + server.port();
      HttpResponse<String> oom =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/v1/huge/1"))
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(oom.statusCode()).as(oom.body()).isEqualTo(503);
      assertThat(oom.headers().firstValue("Content-Type"))
          .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
      assertThat(oom.body()).contains("\"out_of_memory\"");

      HttpResponse<String> next =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/v1/small/1")).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(next.statusCode()).isEqualTo(200);
    }
  }
}
