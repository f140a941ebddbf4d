package dev.wasmgrid.modules.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.testing.TestModules;
import dev.wasmgrid.wasm.WasmModules;
import dev.wasmgrid.worker.WorkerConfig;
import dev.wasmgrid.worker.WorkerNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Modules kept in a directory survive a worker restart (real files, real HTTP). */
class ModuleStorePersistenceTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final byte[] PROVER = WasmModules.bundledBytes("prover");
  static final byte[] MATMUL = WasmModules.bundledBytes("matmul");

  @TempDir Path dir;

  @Test
  void modulesSurviveARestart() throws Exception {
    Map<String, String> before;
    try (WorkerNode worker = start()) {
      Http http = new Http(worker.port());
      assertThat(put(worker, "/v1/modules/prover?timeout_ms=500", PROVER).statusCode())
          .isEqualTo(201);
      assertThat(put(worker, "/v1/modules/matmul", MATMUL).statusCode()).isEqualTo(201);
      before = hashes(http);
    }
    assertThat(before).containsOnlyKeys("matmul", "prover");
    assertThat(blobs()).containsExactlyInAnyOrderElementsOf(wasmFiles(before));
    assertNoTempFiles();

    try (WorkerNode worker = start()) {
      Http http = new Http(worker.port());
      assertThat(hashes(http)).isEqualTo(before);
      HttpResponse<byte[]> div = http.postJson("/v1/modules/prover/call/div", "{\"args\":[-7,2]}");
      assertThat(Http.text(div)).isEqualTo("{\"results\":[-3]}");
      JsonNode prover = JSON.readTree(http.get("/v1/modules/prover").body());
      assertThat(prover.get("limits").get("call_timeout_ms").asLong()).isEqualTo(500);
      HttpResponse<byte[]> matmul =
          http.postJson("/v1/modules/matmul/call/matmul", "{\"args\":[0,0,0,0,0,0]}");
      assertThat(matmul.statusCode()).as(Http.text(matmul)).isIn(200, 422);
      assertThat(JSON.readTree(http.get("/v1/modules/matmul").body()).get("sha256").asText())
          .isEqualTo(before.get("matmul"));
    }
  }

  @Test
  void theAllocatorTheDeployerNamedSurvivesARestart() throws Exception {
    byte[] wasi = TestModules.bytes("wasi_text");
    try (WorkerNode worker = start()) {
      HttpResponse<byte[]> deployed =
          put(worker, "/v1/modules/text?alloc=buf_alloc&free=buf_free", wasi);
      assertThat(deployed.statusCode()).as(Http.text(deployed)).isEqualTo(201);
    }
    JsonNode entry = index().get("modules").get("text");
    assertThat(entry.get("alloc").asText()).isEqualTo("buf_alloc");
    assertThat(entry.get("free").asText()).isEqualTo("buf_free");
    try (WorkerNode worker = start()) {
      Http http = new Http(worker.port());
      JsonNode text = JSON.readTree(http.get("/v1/modules/text").body());
      assertThat(text.get("buffers").toString())
          .isEqualTo("{\"alloc\":\"buf_alloc\",\"free\":\"buf_free\"}");
      HttpResponse<byte[]> upper =
          http.postJson(
              "/v1/modules/text/call/upper", "{\"args\":[{\"bytes\":\"aGk=\"},{\"out\":2}]}");
      assertThat(Http.text(upper)).isEqualTo("{\"results\":[2],\"out\":[\"SEk=\"]}");
    }
  }

  @Test
  void replacingAModuleDeletesItsUnusedBlob() throws Exception {
    try (WorkerNode worker = start()) {
      Http http = new Http(worker.port());
      put(worker, "/v1/modules/m", MATMUL);
      String old = hashes(http).get("m");
      assertThat(put(worker, "/v1/modules/m", PROVER).statusCode()).isEqualTo(200);
      String replaced = hashes(http).get("m");
      assertThat(replaced).isNotEqualTo(old);
      assertThat(blobs()).containsExactly(replaced + ".wasm");
      assertThat(delete(worker, "/v1/modules/m").statusCode()).isEqualTo(204);
      assertThat(blobs()).isEmpty();
      assertThat(index().get("modules").size()).isZero();
    }
    try (WorkerNode worker = start()) {
      assertThat(hashes(new Http(worker.port()))).isEmpty();
    }
  }

  @Test
  void twoNamesWithTheSameBytesShareOneBlob() throws Exception {
    try (WorkerNode worker = start()) {
      Http http = new Http(worker.port());
      put(worker, "/v1/modules/a", PROVER);
      put(worker, "/v1/modules/b", PROVER);
      String sha = hashes(http).get("a");
      assertThat(hashes(http)).containsEntry("b", sha);
      assertThat(blobs()).containsExactly(sha + ".wasm");
      assertThat(delete(worker, "/v1/modules/a").statusCode()).isEqualTo(204);
      assertThat(blobs()).containsExactly(sha + ".wasm");
      assertThat(index().get("modules").has("a")).isFalse();
      assertThat(index().get("modules").get("b").get("sha256").asText()).isEqualTo(sha);
    }
    try (WorkerNode worker = start()) {
      assertThat(hashes(new Http(worker.port()))).containsOnlyKeys("b");
    }
    assertNoTempFiles();
  }

  @Test
  void aCorruptedBlobIsSkippedAndTheOthersLoad() throws Exception {
    Map<String, String> before;
    try (WorkerNode worker = start()) {
      put(worker, "/v1/modules/prover", PROVER);
      put(worker, "/v1/modules/matmul", MATMUL);
      before = hashes(new Http(worker.port()));
    }
    Path matmul = dir.resolve(before.get("matmul") + ".wasm");
    byte[] bytes = Files.readAllBytes(matmul);
    bytes[bytes.length / 2] ^= 0x55;
    Files.write(matmul, bytes);
    try (WorkerNode worker = start()) {
      Http http = new Http(worker.port());
      assertThat(hashes(http)).containsOnlyKeys("prover");
      assertThat(Http.text(http.postJson("/v1/modules/prover/call/div", "{\"args\":[9,3]}")))
          .isEqualTo("{\"results\":[3]}");
      // Deploying the same bytes again repairs the blob.
      assertThat(put(worker, "/v1/modules/matmul", MATMUL).statusCode()).isEqualTo(201);
    }
    assertThat(Files.readAllBytes(matmul)).isEqualTo(MATMUL);
    try (WorkerNode worker = start()) {
      assertThat(hashes(new Http(worker.port()))).isEqualTo(before);
    }
  }

  @Test
  void aModuleMissingItsBlobOrWithAnInvalidEntryIsSkipped() throws Exception {
    Files.writeString(
        dir.resolve(ModuleStore.INDEX),
        "{\"modules\":{\"gone\":{\"sha256\":\""
            + "0".repeat(64)
            + "\",\"timeout_ms\":10},"
            + "\"bad\":{\"sha256\":\"../x\"}}}");
    try (WorkerNode worker = start()) {
      assertThat(hashes(new Http(worker.port()))).isEmpty();
    }
  }

  @Test
  void theDirectoryIsCreatedWhenMissing() throws Exception {
    Path nested = dir.resolve("a/b");
    try (WorkerNode worker =
        WorkerConfig.builder(
                ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS), new ReferenceGemm(1))
            .modulesDir(Optional.of(nested))
            .start()) {
      assertThat(put(worker, "/v1/modules/prover", PROVER).statusCode()).isEqualTo(201);
    }
    assertThat(nested.resolve(ModuleStore.INDEX)).exists();
  }

  private WorkerNode start() {
    return WorkerConfig.builder(
            ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS), new ReferenceGemm(1))
        .modulesDir(Optional.of(dir))
        .start();
  }

  private static Map<String, String> hashes(Http http) throws IOException {
    HttpResponse<byte[]> list = http.get("/v1/modules");
    assertThat(list.statusCode()).isEqualTo(200);
    Map<String, String> hashes = new TreeMap<>();
    JSON.readTree(list.body())
        .get("modules")
        .forEach(m -> hashes.put(m.get("name").asText(), m.get("sha256").asText()));
    return hashes;
  }

  private static List<String> wasmFiles(Map<String, String> hashes) {
    return hashes.values().stream().map(h -> h + ".wasm").distinct().toList();
  }

  private List<String> blobs() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".wasm")).toList();
    }
  }

  private JsonNode index() throws IOException {
    return JSON.readTree(Files.readAllBytes(dir.resolve(ModuleStore.INDEX)));
  }

  private void assertNoTempFiles() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .allMatch(n -> n.equals(ModuleStore.INDEX) || n.matches("[0-9a-f]{64}\\.wasm"));
    }
  }

  private static HttpResponse<byte[]> put(WorkerNode worker, String path, byte[] bytes) {
    return new Http(worker.port())
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + worker.port() + path))
                .header("Content-Type", "application/wasm")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)));
  }

  private static HttpResponse<byte[]> delete(WorkerNode worker, String path) {
    return new Http(worker.port())
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + worker.port() + path))
                .DELETE());
  }
}
