package dev.wasmgrid.modules.worker;

import static dev.wasmgrid.modules.worker.ModuleWorkerServiceTest.JSON;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.testing.TestModules;
import dev.wasmgrid.wasm.WasmModules;
import dev.wasmgrid.worker.WorkerNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Modules as their users build them ({@link TestModules}: C against wasi-libc, Rust for WASI,
 * AssemblyScript) deployed and called over real HTTP: WASI output in the answer, {@code proc_exit},
 * {@code env.abort}, malloc/free buffers freed after each call, an instance out of memory replaced,
 * and imports the host does not provide refused by name.
 */
class HostedImportsRoutesTest {
  private static WorkerNode worker;
  private static Http http;
  private static String base;

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

  @Test
  void aWasiModuleAnswersWithWhatItPrinted() throws Exception {
    HttpResponse<byte[]> deployed = put("/v1/modules/text", TestModules.bytes("wasi_text"));
    assertThat(deployed.statusCode()).as(Http.text(deployed)).isEqualTo(201);
    JsonNode description = JSON.readTree(deployed.body());
    assertThat(description.get("imports").toString())
        .contains("\"wasi_snapshot_preview1.fd_write\"");
    assertThat(description.get("buffers").toString())
        .isEqualTo("{\"alloc\":\"malloc\",\"free\":\"free\"}");

    assertThat(call("text", "greet", "{\"args\":[21]}", 200).toString())
        .isEqualTo(
            "{\"results\":[42],\"stdout\":\"hello 21 from wasi-libc\\n\","
                + "\"stderr\":\"note: greet(21)\\n\"}");
    assertThat(call("text", "quit", "{\"args\":[3]}", 200).toString())
        .isEqualTo("{\"results\":[],\"stdout\":\"bye 3\\n\",\"exit_code\":3}");
    // The exited instance was retired; the next call gets a fresh one.
    assertThat(call("text", "greet", "{\"args\":[1]}", 200).get("results").toString())
        .isEqualTo("[2]");
    assertThat(call("text", "open_file", "", 200).get("results").get(0).asInt()).isIn(44, 76);
  }

  @Test
  void buffersGoBackToTheModulesFreeAfterEveryCall() throws Exception {
    assertThat(put("/v1/modules/hash", TestModules.bytes("wasi_text")).statusCode()).isEqualTo(201);
    // 80 calls of 4 MiB are 320 MiB through a 256 MiB memory: only freeing lets them all pass.
    byte[] data = new byte[4 << 20];
    new Random(3).nextBytes(data);
    for (int i = 0; i < 80; i++) {
      data[i] ^= (byte) 0x5a;
      String body = "{\"args\":[{\"bytes\":\"" + Base64.getEncoder().encodeToString(data) + "\"}]}";
      JsonNode answer = call("hash", "fnv1a", body, 200);
      assertThat(answer.get("results").get(0).asLong()).as("call %d", i).isEqualTo(fnv1a(data));
    }
    JsonNode upper =
        call("hash", "upper", "{\"args\":[{\"bytes\":\"aGVsbG8h\"},{\"out\":6}]}", 200);
    assertThat(upper.toString()).isEqualTo("{\"results\":[6],\"out\":[\"SEVMTE8h\"]}");
  }

  @Test
  void aRustModuleTakesBuffersThroughItsOwnAllocator() throws Exception {
    HttpResponse<byte[]> deployed = put("/v1/modules/words", TestModules.bytes("words"));
    assertThat(deployed.statusCode()).as(Http.text(deployed)).isEqualTo(201);
    assertThat(JSON.readTree(deployed.body()).get("buffers").toString())
        .isEqualTo("{\"alloc\":\"alloc\",\"free\":\"dealloc\"}");
    String text = Base64.getEncoder().encodeToString("one two  three".getBytes(UTF_8));
    for (int i = 0; i < 3; i++) {
      assertThat(call("words", "word_count", "{\"args\":[{\"bytes\":\"" + text + "\"}]}", 200))
          .hasToString(
              "{\"results\":[3],\"stdout\":\"3 words\\n\",\"stderr\":\"counted 14 bytes\\n\"}");
    }
  }

  @Test
  void anInstanceOutOfMemoryIsReplacedNotLeftStuck() throws Exception {
    // prover's bump allocator never frees: 4 MiB in and out per call fill 256 MiB in ~32 calls.
    assertThat(put("/v1/modules/bump", WasmModules.bundledBytes("prover")).statusCode())
        .isEqualTo(201);
    String in = Base64.getEncoder().encodeToString(new byte[4 << 20]);
    String body = "{\"args\":[{\"bytes\":\"" + in + "\"},{\"out\":" + (4 << 20) + "}]}";
    int failed = 0;
    boolean lastFailed = false;
    for (int i = 0; i < 80; i++) {
      HttpResponse<byte[]> answer = post("/v1/modules/bump/call/reverse", body);
      if (answer.statusCode() == 200) {
        lastFailed = false;
        continue;
      }
      assertThat(answer.statusCode()).as(Http.text(answer)).isEqualTo(422);
      assertThat(Http.text(answer)).contains("memory_limit").contains("replaced");
      assertThat(lastFailed).as("call %d failed right after a failure: stuck", i).isFalse();
      lastFailed = true;
      failed++;
    }
    assertThat(failed).isBetween(1, 3);
  }

  @Test
  void anAssemblyScriptAbortFailsOnlyItsCall() throws Exception {
    HttpResponse<byte[]> deployed = put("/v1/modules/checks", TestModules.bytes("checks"));
    assertThat(deployed.statusCode()).as(Http.text(deployed)).isEqualTo(201);
    HttpResponse<byte[]> aborted = post("/v1/modules/checks/call/isqrt", "{\"args\":[-4]}");
    assertThat(aborted.statusCode()).as(Http.text(aborted)).isEqualTo(422);
    JsonNode error = JSON.readTree(aborted.body()).get("error");
    assertThat(error.get("code").asText()).isEqualTo("aborted");
    assertThat(error.get("message").asText())
        .contains("aborted: isqrt of a negative number at checks.ts:");
    assertThat(call("checks", "isqrt", "{\"args\":[49]}", 200).toString())
        .isEqualTo("{\"results\":[7]}");
  }

  @Test
  void aModuleWithImportsNotProvidedIsRefusedNamingThemAll() throws Exception {
    HttpResponse<byte[]> refused = put("/v1/modules/missing", TestModules.bytes("missing_imports"));
    assertThat(refused.statusCode()).as(Http.text(refused)).isEqualTo(400);
    JsonNode error = JSON.readTree(refused.body()).get("error");
    assertThat(error.get("code").asText()).isEqualTo("invalid_module");
    assertThat(error.get("message").asText())
        .contains("host.lookup", "host.store", "env.abort (function (i32) -> ()");
    assertThat(http.get("/v1/modules/missing").statusCode()).isEqualTo(404);
  }

  @Test
  void theDeployerNamesTheAllocator() throws Exception {
    HttpResponse<byte[]> wrong =
        put("/v1/modules/named?alloc=my_alloc", TestModules.bytes("wasi_text"));
    assertThat(wrong.statusCode()).as(Http.text(wrong)).isEqualTo(400);
    assertThat(JSON.readTree(wrong.body()).get("error").get("code").asText())
        .isEqualTo("invalid_allocator");
    HttpResponse<byte[]> named =
        put("/v1/modules/named?alloc=malloc&free=free", TestModules.bytes("wasi_text"));
    assertThat(named.statusCode()).as(Http.text(named)).isEqualTo(201);
    assertThat(call("named", "fnv1a", "{\"args\":[{\"bytes\":\"\"}]}", 200).toString())
        .isEqualTo("{\"results\":[" + fnv1a(new byte[0]) + "]}");
  }

  private static long fnv1a(byte[] data) {
    long h = 0xcbf29ce484222325L;
    for (byte b : data) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return h;
  }

  private static JsonNode call(String module, String export, String body, int status)
      throws Exception {
    HttpResponse<byte[]> response = post("/v1/modules/" + module + "/call/" + export, body);
    assertThat(response.statusCode()).as(Http.text(response)).isEqualTo(status);
    return JSON.readTree(response.body());
  }

  private static HttpResponse<byte[]> post(String path, String json) {
    return http.postJson(path, json);
  }

  private static HttpResponse<byte[]> put(String path, byte[] bytes) {
    return http.send(
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "application/wasm")
            .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)));
  }
}
