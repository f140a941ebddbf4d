package dev.wasmgrid.modules.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.testing.Nodes;
import dev.wasmgrid.testing.Poll;
import dev.wasmgrid.wasm.ModuleLimits;
import dev.wasmgrid.wasm.WasmInstance;
import dev.wasmgrid.wasm.WasmModules;
import dev.wasmgrid.worker.WorkerNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The worker's {@code /v1/modules} routes over real HTTP, with the bundled modules. */
class ModuleWorkerServiceTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final byte[] PROVER = WasmModules.bundledBytes("prover");
  static final byte[] MATMUL = WasmModules.bundledBytes("matmul");

  static WorkerNode worker;
  static Http http;
  static String base;

  @BeforeAll
  static void start() {
    worker =
        WorkerNode.start(
            ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS), new ReferenceGemm(1));
    http = new Http(worker.port());
    base = "http://127.0.0.1:" + worker.port();
  }

  @AfterAll
  static void stop() {
    worker.close();
  }

  /** Whatever failed, the worker still answers the seed request. */
  @AfterEach
  void stillServing() throws Exception {
    HttpResponse<byte[]> seed = http.postJson("/rpc", Nodes.SEED);
    assertThat(seed.statusCode()).as(Http.text(seed)).isEqualTo(200);
    assertThat(Http.text(seed)).contains(Nodes.SEED_ANSWER);
  }

  @Test
  void deployListInspectReplaceDelete() throws Exception {
    HttpResponse<byte[]> created = put("/v1/modules/matmul", MATMUL);
    assertThat(created.statusCode()).as(Http.text(created)).isEqualTo(201);
    assertThat(created.headers().firstValue("Location")).hasValue("/v1/modules/matmul");
    JsonNode described = JSON.readTree(created.body());
    assertThat(described.get("size_bytes").asInt()).isEqualTo(MATMUL.length);
    assertThat(described.get("sha256").asText()).hasSize(64);
    assertThat(described.get("limits").get("max_instances").asInt())
        .isEqualTo(ModuleLimits.DEFAULT_MAX_INSTANCES);
    JsonNode matmul = export(described, "matmul");
    assertThat(matmul.get("kind").asText()).isEqualTo("function");
    assertThat(matmul.get("params").toString())
        .isEqualTo("[\"i32\",\"i32\",\"i32\",\"i32\",\"i32\",\"i32\"]");
    assertThat(matmul.get("results").toString()).isEqualTo("[]");

    assertThat(put("/v1/modules/matmul", MATMUL).statusCode()).isEqualTo(200);
    assertThat(put("/v1/modules/prover", PROVER).statusCode()).isIn(200, 201);

    JsonNode prover = JSON.readTree(http.get("/v1/modules/prover").body());
    assertThat(export(prover, "prove").toString())
        .isEqualTo(
            "{\"name\":\"prove\",\"kind\":\"function\",\"params\":[\"i32\",\"i32\"],"
                + "\"results\":[\"i64\"]}");
    assertThat(export(prover, "memory").toString())
        .isEqualTo(
            "{\"name\":\"memory\",\"kind\":\"memory\",\"initial_pages\":2,"
                + "\"maximum_pages\":65536}");

    JsonNode list = JSON.readTree(http.get("/v1/modules").body()).get("modules");
    List<String> names = new ArrayList<>();
    list.forEach(m -> names.add(m.get("name").asText()));
    assertThat(names).contains("matmul", "prover");
    assertThat(list.get(0).get("export_count").asInt()).isPositive();

    assertThat(delete("/v1/modules/matmul").statusCode()).isEqualTo(204);
    assertError(delete("/v1/modules/matmul"), 404, "module_not_found");
    assertError(http.get("/v1/modules/matmul"), 404, "module_not_found");
  }

  @Test
  void callsAnswerAsADirectCallDoes() throws Exception {
    assertThat(put("/v1/modules/prover", PROVER).statusCode()).isIn(200, 201);
    long expected;
    try (WasmInstance direct =
        WasmModules.bundled("prover", ModuleLimits.defaults()).instantiate()) {
      int handle = (int) direct.call("setup", 2)[0];
      expected = direct.call("prove", handle, 0)[0];
    }
    JsonNode setup = call("prover", "setup", "{\"args\":[2]}", 200);
    int handle = setup.get("results").get(0).asInt();
    JsonNode proof = call("prover", "prove", "{\"args\":[" + handle + ",0]}", 200);
    assertThat(proof.get("results").get(0).asLong()).isEqualTo(expected);
    assertThat(call("prover", "div", "{\"args\":[-7,2]}", 200).toString())
        .isEqualTo("{\"results\":[-3]}");
  }

  @Test
  void buffersGoInAndOutThroughTheModulesAllocator() throws Exception {
    assertThat(put("/v1/modules/prover", PROVER).statusCode()).isIn(200, 201);
    byte[] in = {1, 2, 3, (byte) 250};
    String encoded = Base64.getEncoder().encodeToString(in);
    // reverse(in, len, out): {"bytes"} fills in and len, {"out":4} the output buffer.
    JsonNode answer =
        call("prover", "reverse", "{\"args\":[{\"bytes\":\"" + encoded + "\"},{\"out\":4}]}", 200);
    assertThat(answer.get("results").get(0).asInt()).isEqualTo(1 + 2 + 3 + 250);
    assertThat(Base64.getDecoder().decode(answer.get("out").get(0).asText()))
        .containsExactly(250, 3, 2, 1);

    assertError(
        post("/v1/modules/prover/call/reverse", "{\"args\":[{\"bytes\":\"%%%\"},{\"out\":4}]}"),
        400,
        "wrong_arguments");
    assertError(
        post("/v1/modules/prover/call/reverse", "{\"args\":[{\"bytes\":\"AQ==\"},{\"out\":-1}]}"),
        400,
        "wrong_arguments");
    assertError(
        post("/v1/modules/prover/call/spin", "{\"args\":[{\"out\":4}]}"), 400, "wrong_arguments");
    assertError(
        post("/v1/modules/prover/call/reverse", "{\"args\":[{\"bytes\":\"AQ==\"}]}"),
        400,
        "wrong_arguments");
  }

  @Test
  void aTrapFailsOnlyItsCall() throws Exception {
    assertThat(put("/v1/modules/prover", PROVER).statusCode()).isIn(200, 201);
    for (int i = 0; i < 6; i++) { // more than max_instances: broken instances are replaced
      assertThat(call("prover", "boom", "{\"args\":[]}", 422).get("error").get("code").asText())
          .isEqualTo("trap");
      assertThat(call("prover", "div", "{\"args\":[1,0]}", 422).get("error").get("code").asText())
          .isEqualTo("trap");
      assertThat(call("prover", "div", "{\"args\":[9,3]}", 200).toString())
          .isEqualTo("{\"results\":[3]}");
    }
  }

  @Test
  void aTimeoutAnswers504AndTheModuleStillServes() throws Exception {
    HttpResponse<byte[]> deployed = put("/v1/modules/spinner?timeout_ms=200", PROVER);
    assertThat(deployed.statusCode()).as(Http.text(deployed)).isEqualTo(201);
    assertThat(JSON.readTree(deployed.body()).get("limits").get("call_timeout_ms").asLong())
        .isEqualTo(200);
    long started = System.nanoTime();
    assertThat(call("spinner", "spin", "{\"args\":[-1]}", 504).get("error").get("code").asText())
        .isEqualTo("timeout");
    assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(5_000);
    assertThat(call("spinner", "spin", "{\"args\":[4]}", 200).toString())
        .isEqualTo("{\"results\":[6]}");
    assertError(put("/v1/modules/spinner?timeout_ms=0", PROVER), 400, "invalid_timeout");
    assertError(put("/v1/modules/spinner?timeout_ms=600001", PROVER), 400, "invalid_timeout");
  }

  @Test
  void badRequestsAreRefused() throws Exception {
    assertThat(put("/v1/modules/prover", PROVER).statusCode()).isIn(200, 201);
    assertError(post("/v1/modules/prover/call/div", "{\"args\":[1]}"), 400, "wrong_arguments");
    assertError(post("/v1/modules/prover/call/div", "{\"args\":[1.5,2]}"), 400, "wrong_arguments");
    assertError(
        post("/v1/modules/prover/call/div", "{\"args\":[4294967296,2]}"), 400, "wrong_arguments");
    assertError(
        post("/v1/modules/prover/call/div", "{\"args\":[\"1\",2]}"), 400, "wrong_arguments");
    assertError(post("/v1/modules/prover/call/div", "[1,2]"), 400, "malformed_json");
    assertError(post("/v1/modules/prover/call/nothing", "{\"args\":[]}"), 404, "missing_export");
    assertError(post("/v1/modules/prover/call/memory", "{\"args\":[]}"), 404, "missing_export");
    assertError(post("/v1/modules/absent/call/div", "{\"args\":[1,2]}"), 404, "module_not_found");
    assertError(put("/v1/modules/bad", new byte[] {0, 'a', 's', 'm', 9, 9}), 400, "invalid_module");
    assertError(put("/v1/modules/Bad!", PROVER), 400, "invalid_name");
    assertError(
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/v1/modules/prover2"))
                .header("Content-Type", "text/plain")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(PROVER))),
        415,
        "unsupported_media_type");
    byte[] huge = new byte[(int) ModuleLimits.DEFAULT_MAX_BYTES + 1];
    assertError(put("/v1/modules/huge", huge), 413, "module_too_large");
    assertError(http.get("/v1/modules/bad"), 404, "module_not_found");
  }

  @Test
  void busyInstancesAnswer503WithRetryAfterWhenNoCallMayWait() throws Exception {
    assertThat(put("/v1/modules/busy?timeout_ms=2000&queue=0", PROVER).statusCode()).isEqualTo(201);
    int max = ModuleLimits.DEFAULT_MAX_INSTANCES;
    ExecutorService callers = Executors.newFixedThreadPool(max);
    try {
      List<Future<HttpResponse<byte[]>>> spins = new ArrayList<>();
      for (int i = 0; i < max; i++) {
        spins.add(callers.submit(() -> post("/v1/modules/busy/call/spin", "{\"args\":[-1]}")));
      }
      Poll.until("all instances busy", Duration.ofSeconds(10), () -> liveInstances("busy") == max);
      HttpResponse<byte[]> refused = post("/v1/modules/busy/call/div", "{\"args\":[4,2]}");
      assertError(refused, 503, "too_many_instances");
      assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
      for (Future<HttpResponse<byte[]>> spin : spins) {
        assertError(spin.get(30, TimeUnit.SECONDS), 504, "timeout");
      }
    } finally {
      callers.shutdownNow();
    }
    assertThat(call("busy", "div", "{\"args\":[4,2]}", 200).toString())
        .isEqualTo("{\"results\":[2]}");
    assertThat(liveInstances("busy")).isEqualTo(1);
  }

  static int liveInstances(String module) {
    try {
      return JSON.readTree(http.get("/v1/modules/" + module).body()).get("live_instances").asInt();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void theTokenIsRequired() {
    try (WorkerNode guarded =
        WorkerNode.start(
            new ServerSettings("127.0.0.1", 0, Limits.DEFAULTS, Optional.of("s3cret")),
            new ReferenceGemm(1))) {
      Http guardedHttp = new Http(guarded.port());
      String url = "http://127.0.0.1:" + guarded.port() + "/v1/modules/prover";
      HttpResponse<byte[]> anonymous =
          guardedHttp.send(
              HttpRequest.newBuilder(URI.create(url))
                  .header("Content-Type", "application/wasm")
                  .PUT(HttpRequest.BodyPublishers.ofByteArray(PROVER)));
      assertThat(anonymous.statusCode()).isEqualTo(401);
      assertThat(guardedHttp.get("/v1/modules").statusCode()).isEqualTo(401);
      HttpResponse<byte[]> authorized =
          guardedHttp.send(
              HttpRequest.newBuilder(URI.create(url))
                  .header("Content-Type", "application/wasm")
                  .header("Authorization", "Bearer s3cret")
                  .PUT(HttpRequest.BodyPublishers.ofByteArray(PROVER)));
      assertThat(authorized.statusCode()).as(Http.text(authorized)).isEqualTo(201);
    }
  }

  static JsonNode export(JsonNode description, String name) {
    for (JsonNode e : description.get("exports")) {
      if (e.get("name").asText().equals(name)) {
        return e;
      }
    }
    throw new AssertionError("no export " + name + " in " + description);
  }

  static JsonNode call(String module, String export, String body, int status) throws Exception {
    HttpResponse<byte[]> response = post("/v1/modules/" + module + "/call/" + export, body);
    assertThat(response.statusCode()).as(Http.text(response)).isEqualTo(status);
    return JSON.readTree(response.body());
  }

  static void assertError(HttpResponse<byte[]> response, int status, String code) throws Exception {
    assertThat(response.statusCode()).as(Http.text(response)).isEqualTo(status);
    assertThat(JSON.readTree(response.body()).get("error").get("code").asText()).isEqualTo(code);
  }

  static HttpResponse<byte[]> post(String path, String json) {
    return http.postJson(path, json);
  }

  static HttpResponse<byte[]> put(String path, byte[] bytes) {
    return http.send(
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "application/wasm")
            .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)));
  }

  static HttpResponse<byte[]> delete(String path) {
    return http.send(HttpRequest.newBuilder(URI.create(base + path)).DELETE());
  }
}
