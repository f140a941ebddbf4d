package dev.wasmgrid.http.openapi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wasmgrid.coordinator.CoordinatorConfig;
import dev.wasmgrid.coordinator.CoordinatorNode;
import dev.wasmgrid.grid.discovery.WorkerSources;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.matmul.Matrix;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.matmul.wire.MatrixFrames;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.testing.Nodes;
import dev.wasmgrid.testing.Poll;
import dev.wasmgrid.wasm.WasmModules;
import dev.wasmgrid.worker.WorkerNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real answers of every workload's routes, good and refused, fit the description the node that gave
 * them serves: a coordinator that takes joins (and has its own kernel) and a worker that joined it.
 * The language models have {@link OpenAiShapesTest}.
 */
class LiveAnswersTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String JSON_TYPE = "application/json";

  private static WorkerNode worker;
  private static CoordinatorNode coordinator;
  private static Node front;
  private static Node back;

  /** A node, its client, and its own description. */
  private record Node(String name, int port, Http http, Conformance described) {
    static Node of(String name, int port) throws Exception {
      return new Node(
          name, port, new Http(port), new Conformance(OpenApiServedTest.description(port)));
    }

    /**
     * Sends a request to {@code path}, the route {@code route}; checks the status and that the
     * answer fits the description.
     */
    HttpResponse<byte[]> expect(
        int status, String method, String route, String path, String type, byte[] body) {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
              .method(
                  method,
                  body == null
                      ? HttpRequest.BodyPublishers.noBody()
                      : HttpRequest.BodyPublishers.ofByteArray(body));
      if (type != null) {
        request.header("Content-Type", type);
      }
      HttpResponse<byte[]> r = http.send(request);
      String what = name + ": " + method + " " + path + " -> " + Http.text(r);
      assertThat(r.statusCode()).as(what).isEqualTo(status);
      assertThat(described.errors(method, route, r)).as(what).isEmpty();
      return r;
    }

    HttpResponse<byte[]> expect(int status, String method, String route, String path) {
      return expect(status, method, route, path, null, null);
    }

    HttpResponse<byte[]> expectJson(
        int status, String method, String route, String path, String json) {
      return expect(status, method, route, path, JSON_TYPE, json.getBytes(StandardCharsets.UTF_8));
    }
  }

  @BeforeAll
  static void start() throws Exception {
    worker = Nodes.worker(0);
    coordinator =
        CoordinatorConfig.builder(
                ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS), new ReferenceGemm(1))
            .workers(WorkerSources.parse(List.of(Nodes.url(worker.port()), "join")))
            .discovery(Nodes.FAST)
            .start();
    front = Node.of("coordinator", coordinator.port());
    back = Node.of("worker", worker.port());
    // A worker that joins and never beats its heartbeat: dropped within 3 intervals, which
    // leaves the static worker alone to take the modules and simulations below.
    front.expectJson(
        200,
        "POST",
        "/v1/workers/join",
        "/v1/workers/join",
        "{\"url\":\"" + Nodes.url(Nodes.freePort()) + "\",\"instance\":\"live-answers\"}");
    Poll.until(
        "the silent worker is dropped",
        Duration.ofSeconds(30),
        () -> Http.text(front.http().get("/v1/workers")).split("\"url\"", -1).length == 2);
  }

  @AfterAll
  static void stop() {
    coordinator.close();
    worker.close();
  }

  @Test
  void nodesAndWorkers() {
    for (Node node : List.of(front, back)) {
      node.expect(200, "GET", "/health/live", "/health/live");
      node.expect(200, "GET", "/health/ready", "/health/ready");
      node.expect(200, "GET", "/metrics", "/metrics");
      node.expect(200, "GET", "/openapi.json", "/openapi.json");
    }
    front.expect(200, "GET", "/v1/workers", "/v1/workers");
    front.expectJson(400, "POST", "/v1/workers/join", "/v1/workers/join", "{\"url\":\"ftp://x\"}");
    front.expect(404, "GET", "/", "/");
  }

  @Test
  void synchronousProducts() {
    String seed = Nodes.SEED;
    String object =
        "{\"meta\":[{\"name\":\"method\",\"value\":\"multiply\"}],"
            + "\"content\":{\"A\":[[1,2],[3,4]],\"B\":[[5,6],[7,8]]}}";
    byte[] frames = MatrixFrames.encode(Matrix.F64.zeros(3, 2), Matrix.F64.zeros(2, 4));
    for (Node node : List.of(front, back)) {
      node.expectJson(200, "POST", "/rpc", "/rpc", seed);
      node.expectJson(200, "POST", "/rpc", "/rpc", object);
      node.expectJson(400, "POST", "/rpc", "/rpc", "{\"meta\":[],\"content\":{}}");
      node.expectJson(
          200, "POST", "/v1/matmul", "/v1/matmul", "{\"A\":[[1,2],[3,4]],\"B\":[[5,6],[7,8]]}");
      node.expectJson(400, "POST", "/v1/matmul", "/v1/matmul", "{\"A\":[[1,2],[3]],\"B\":[[1]]}");
      node.expect(200, "POST", "/v1/matmul", "/v1/matmul", MatrixFrames.MEDIA_TYPE, frames);
    }
    front.expect(200, "GET", "/v1/config/matmul", "/v1/config/matmul");
    front.expectJson(200, "PUT", "/v1/config/matmul", "/v1/config/matmul", "{\"mode\":\"auto\"}");
    front.expectJson(400, "PUT", "/v1/config/matmul", "/v1/config/matmul", "{\"mode\":\"fast\"}");
  }

  @Test
  void jobs() throws Exception {
    byte[] frames = MatrixFrames.encode(Matrix.F64.zeros(16, 8), Matrix.F64.zeros(8, 16));
    HttpResponse<byte[]> submitted =
        front.expect(
            202, "POST", "/v1/jobs/matmul", "/v1/jobs/matmul", MatrixFrames.MEDIA_TYPE, frames);
    String job = "/v1/jobs/" + JSON.readTree(submitted.body()).path("id").asText();
    Poll.until(
        "the job succeeds",
        Duration.ofSeconds(30),
        () -> Http.text(front.http().get(job)).contains("\"succeeded\""));
    front.expect(200, "GET", "/v1/jobs/{id}", job);
    front.expect(200, "GET", "/v1/jobs", "/v1/jobs");
    front.expect(200, "GET", "/v1/jobs/{id}/events", job + "/events");
    front.expect(200, "GET", "/v1/jobs/{id}/result", job + "/result");
    front.expect(200, "DELETE", "/v1/jobs/{id}", job);
    front.expect(404, "GET", "/v1/jobs/{id}", "/v1/jobs/0123");
    front.expect(
        415,
        "POST",
        "/v1/jobs/matmul",
        "/v1/jobs/matmul",
        JSON_TYPE,
        "{}".getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void modules() throws Exception {
    byte[] prover = WasmModules.bundledBytes("prover");
    String policy = "{\"state_exports\":[\"setup\"]}";
    String module = "/v1/modules/{name}";
    for (Node node : List.of(back, front)) {
      String name = "/v1/modules/live-" + node.name();
      node.expect(201, "PUT", module, name, "application/wasm", prover);
      node.expect(200, "PUT", module, name, "application/wasm", prover);
      node.expect(200, "GET", "/v1/modules", "/v1/modules");
      node.expect(200, "GET", module, name);
      node.expectJson(
          200, "POST", module + "/call/{export}", name + "/call/div", "{\"args\":[7,2]}");
      node.expectJson(
          400, "POST", module + "/call/{export}", name + "/call/div", "{\"args\":[\"x\"]}");
      node.expectJson(404, "POST", module + "/call/{export}", name + "/call/nope", "{}");
      boolean atWorker = node.name().equals("worker");
      String sub = atWorker ? "/recycling" : "/{sub}";
      String recycle = atWorker ? "/recycle" : "/{sub}";
      node.expectJson(200, "PUT", module + sub, name + "/recycling", policy);
      node.expect(200, "GET", module + sub, name + "/recycling");
      node.expectJson(
          200, "POST", module + "/call/{export}", name + "/call/setup", "{\"args\":[2]}");
      node.expect(200, "POST", module + recycle, name + "/recycle");
      node.expect(204, "DELETE", module + sub, name + "/recycling");
      node.expect(204, "DELETE", module, name);
      node.expect(404, "GET", module, name);
      // PUT: a worker answers GET of a bad name 404 module_not_found, a coordinator 400.
      node.expect(400, "PUT", module, "/v1/modules/Not-A-Name", "application/wasm", prover);
    }
  }

  @Test
  void liveSimulationsAndPartitions() throws Exception {
    HttpResponse<byte[]> started =
        front.expectJson(
            201,
            "POST",
            "/v1/sim",
            "/v1/sim",
            "{\"entities\":200,\"seed\":5,\"partitions\":1,\"ticks_per_second\":10}");
    String sim = "/v1/sim/" + JSON.readTree(started.body()).path("id").asText();
    front.expect(200, "GET", "/v1/sim", "/v1/sim");
    front.expect(200, "GET", "/v1/sim/{id}", sim);
    front.expectJson(
        200, "POST", "/v1/sim/{id}/control", sim + "/control", "{\"action\":\"pause\"}");
    front.expectJson(
        200,
        "POST",
        "/v1/sim/{id}/control",
        sim + "/control",
        "{\"action\":\"speed\",\"ticks_per_second\":20}");
    front.expectJson(400, "POST", "/v1/sim/{id}/control", sim + "/control", "{\"action\":\"fly\"}");
    front.expect(200, "DELETE", "/v1/sim/{id}", sim);
    front.expect(404, "GET", "/v1/sim/{id}", sim);
    front.expectJson(400, "POST", "/v1/sim", "/v1/sim", "{\"entities\":0}");

    back.expect(200, "GET", "/v1/sim/partitions", "/v1/sim/partitions");
    back.expect(
        400,
        "POST",
        "/v1/sim/partitions",
        "/v1/sim/partitions",
        "application/octet-stream",
        new byte[] {1, 2, 3});
    back.expect(404, "DELETE", "/v1/sim/partitions/{id}", "/v1/sim/partitions/p9");
    back.expect(404, "GET", "/v1/sim/partitions/{id}/state", "/v1/sim/partitions/p9/state");
  }

  @Test
  void aMisfitIsCaught() throws Exception {
    JsonNode described = OpenApiServedTest.description(front.port());
    HttpResponse<byte[]> health = front.http().get("/health/live");
    // The answer of /health/live, judged as if it were /v1/workers's: not a list of workers.
    assertThat(new Conformance(described).errors("GET", "/v1/workers", health)).isNotEmpty();
  }
}
