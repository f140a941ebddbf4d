package dev.wasmgrid.http.openapi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wasmgrid.coordinator.CoordinatorConfig;
import dev.wasmgrid.coordinator.CoordinatorNode;
import dev.wasmgrid.grid.discovery.WorkerSources;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.llm.ScalarCompute;
import dev.wasmgrid.llm.worker.LlmTestModels;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.worker.WorkerConfig;
import dev.wasmgrid.worker.WorkerNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /openapi.json} of a real coordinator and a real worker, both started with a token,
 * over real HTTP: it needs no token, it is an OpenAPI 3.1 document by the official schema, and its
 * routes are exactly the ones served: every route a node serves is described (none marked {@code
 * x-undocumented}), every route described is served by some role, and answers over HTTP as a route
 * (not the router's 404 or 405).
 */
class OpenApiServedTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOKEN = "s3cret";

  private static CoordinatorNode coordinator;
  private static WorkerNode worker;

  @BeforeAll
  static void start() {
    ServerSettings settings =
        new ServerSettings("127.0.0.1", 0, Limits.DEFAULTS, Optional.of(TOKEN));
    worker =
        WorkerConfig.builder(settings, new ReferenceGemm(1))
            .models(LlmTestModels.hosts("tiny-test", new ScalarCompute(), 8))
            .start();
    coordinator =
        CoordinatorConfig.builder(settings, new ReferenceGemm(1))
            .workers(WorkerSources.parse(List.of()))
            .start();
  }

  @AfterAll
  static void stop() {
    coordinator.close();
    worker.close();
  }

  private static Map<String, Integer> nodes() {
    return Map.of("coordinator", coordinator.port(), "worker", worker.port());
  }

  /** The description, fetched as a client without the token would. */
  static JsonNode description(int port) throws Exception {
    HttpResponse<byte[]> r = new Http(port).get(OpenApiDocument.PATH);
    assertThat(r.statusCode()).as(Http.text(r)).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
    return JSON.readTree(r.body());
  }

  /** Every operation of a description, as {@code METHOD /path}. */
  static List<String> operations(JsonNode document) {
    List<String> out = new ArrayList<>();
    document
        .path("paths")
        .properties()
        .forEach(
            path -> {
              for (String method : ApiCatalogue.METHODS) {
                if (path.getValue().has(method)) {
                  out.add(method.toUpperCase(Locale.ROOT) + " " + path.getKey());
                }
              }
            });
    return out;
  }

  @Test
  void eachRoleServesAnOpenApi31DocumentWithoutTheToken() throws Exception {
    for (Map.Entry<String, Integer> node : nodes().entrySet()) {
      JsonNode document = description(node.getValue());
      assertThat(document.path("openapi").asText()).as(node.getKey()).startsWith("3.1.");
      assertThat(SchemaCheck.openApiErrors(document)).as(node.getKey()).isEmpty();
    }
  }

  @Test
  void theOfficialSchemaRefusesABrokenDocument() throws Exception {
    ObjectNode broken = (ObjectNode) description(worker.port()).deepCopy();
    broken.put("openapi", "3.0.3");
    ((ObjectNode) broken.path("info")).remove("title");
    ((ObjectNode) broken.path("paths")).putObject("v1/no-slash");
    assertThat(SchemaCheck.openApiErrors(broken))
        .anySatisfy(e -> assertThat(e).contains("/openapi"))
        .anySatisfy(e -> assertThat(e).contains("title"))
        .anySatisfy(e -> assertThat(e).contains("v1/no-slash"));
  }

  @Test
  void everyServedRouteIsDescribedAndEveryDescribedRouteIsServed() throws Exception {
    TreeSet<String> served = new TreeSet<>();
    List<String> undocumented = new ArrayList<>();
    for (int port : nodes().values()) {
      JsonNode document = description(port);
      for (String operation : operations(document)) {
        String[] parts = operation.split(" ", 2);
        JsonNode op = document.path("paths").path(parts[1]).path(parts[0].toLowerCase(Locale.ROOT));
        if (op.path("x-undocumented").asBoolean()) {
          undocumented.add(operation);
        }
        if (!parts[0].equals("HEAD")) {
          served.add(operation);
        }
      }
    }
    assertThat(undocumented).as("served but not in the catalogue").isEmpty();
    assertThat(served).containsExactlyInAnyOrderElementsOf(ApiCatalogue.load().operations());
  }

  @Test
  void everyDescribedRouteAnswersAsARoute() throws Exception {
    for (Map.Entry<String, Integer> node : nodes().entrySet()) {
      JsonNode document = description(node.getValue());
      Http http = new Http(node.getValue());
      for (String operation : operations(document)) {
        String[] parts = operation.split(" ", 2);
        JsonNode op = document.path("paths").path(parts[1]).path(parts[0].toLowerCase(Locale.ROOT));
        if (op.path("responses").has("101")) {
          continue; // a WebSocket: SocketOriginTest upgrades it
        }
        // Values that reach the handlers: a sub-resource the workers have for the method, a
        // phase that exists.
        String path =
            parts[1]
                .replace("{sub}", parts[0].equals("POST") ? "recycle" : "recycling")
                .replace("{phase}", "step")
                .replaceAll("\\{[^}]+}", "x");
        HttpResponse<byte[]> r =
            http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.getValue() + path))
                    .header("Authorization", "Bearer " + TOKEN)
                    .header("Content-Type", "application/json")
                    .method(
                        parts[0],
                        parts[0].equals("GET") || parts[0].equals("HEAD")
                            ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString("{}")));
        String what = node.getKey() + ": " + operation + " -> " + Http.text(r);
        assertThat(r.statusCode()).as(what).isNotEqualTo(405);
        if (r.statusCode() == 404 && !parts[0].equals("HEAD")) {
          assertThat(JSON.readTree(r.body()).path("error").path("message").asText())
              .as(what)
              .doesNotStartWith("no route");
        }
      }
    }
  }
}
