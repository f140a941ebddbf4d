package dev.wasmgrid.modules.worker;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.testing.TestModules;
import dev.wasmgrid.worker.WorkerConfig;
import dev.wasmgrid.worker.WorkerNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A state-building call with a buffer (a streaming XXH64's {@code update}, C against wasi-libc)
 * over HTTP: logged with its bytes, replayed at every swap, stored beside the module so that a
 * worker started again rebuilds the state; the digest is always the one the same C built natively
 * by gcc gives. Before, such a call was refused (400: "it takes numbers, not buffers"), and fed
 * through a stateless export it was lost at the next swap.
 */
class StatefulBuffersRoutesTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String POLICY =
      "{\"state_exports\":[\"xxh_new\",\"xxh_update\"],"
          + "\"handle_params\":{\"xxh_update\":[0],\"xxh_digest\":[0]},"
          + "\"digest_export\":\"xxh_digest\"}";

  @TempDir Path dir;

  /** What was fed to one state, and in which chunks. */
  static final class Fed {
    final List<Integer> lengths = new ArrayList<>();
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  }

  @Test
  void anUpdateWithABufferSurvivesFiftySwapsWithTheNativeDigest() throws Exception {
    try (WorkerNode worker = start(Optional.empty())) {
      Http http = new Http(worker.port());
      deploy(http, worker);
      long handle = newState(http, 7);
      Fed fed = new Fed();
      Random random = new Random(50);
      for (int i = 0; i < 50; i++) {
        update(http, handle, fed, random);
        HttpResponse<byte[]> swap = http.postJson("/v1/modules/hash/recycle", "");
        assertThat(swap.statusCode()).as(Http.text(swap)).isEqualTo(200);
      }
      assertThat(digest(http, handle)).isEqualTo(nativeDigest(7, fed));
      JsonNode stats = JSON.readTree(http.get("/v1/modules/hash/recycling").body()).get("stats");
      assertThat(stats.get("swaps").asLong()).isEqualTo(50);
      assertThat(stats.get("replay_mismatches").asLong()).isZero();
      assertThat(stats.get("log_buffer_bytes").asLong()).isEqualTo(fed.bytes.size());
    }
  }

  @Test
  void aRestartedWorkerRebuildsTheStateFromTheStoredLog() throws Exception {
    Fed fed = new Fed();
    Random random = new Random(3);
    long handle;
    String epoch;
    try (WorkerNode worker = start(Optional.of(dir))) {
      Http http = new Http(worker.port());
      deploy(http, worker);
      handle = newState(http, 11);
      for (int i = 0; i < 20; i++) {
        update(http, handle, fed, random);
      }
      epoch =
          JSON.readTree(Files.readAllBytes(dir.resolve(ModuleStore.INDEX)))
              .get("modules")
              .get("hash")
              .get("state_epoch")
              .asText();
    }
    assertThat(dir.resolve("hash." + epoch + ".calls")).isRegularFile();

    try (WorkerNode worker = start(Optional.of(dir))) {
      Http http = new Http(worker.port());
      assertThat(digest(http, handle)).isEqualTo(nativeDigest(11, fed));
      update(http, handle, fed, random);
      assertThat(digest(http, handle)).isEqualTo(nativeDigest(11, fed));
      JsonNode stats = JSON.readTree(http.get("/v1/modules/hash/recycling").body()).get("stats");
      assertThat(stats.get("restore").asText()).contains("rebuilt from its stored log of 21 calls");
    }

    // A log that cannot be replayed (cut short) is said so, and the old handle is refused.
    Path log = dir.resolve("hash." + epoch + ".calls");
    byte[] bytes = Files.readAllBytes(log);
    Files.write(log, Arrays.copyOf(bytes, bytes.length - 5));
    try (WorkerNode worker = start(Optional.of(dir))) {
      Http http = new Http(worker.port());
      HttpResponse<byte[]> lost =
          http.postJson("/v1/modules/hash/call/xxh_digest", "{\"args\":[" + handle + "]}");
      assertThat(lost.statusCode()).as(Http.text(lost)).isEqualTo(409);
      assertThat(Http.text(lost))
          .contains("unknown_handle")
          .contains("could not be rebuilt after a restart")
          .contains("cut short");
      JsonNode stats = JSON.readTree(http.get("/v1/modules/hash/recycling").body()).get("stats");
      assertThat(stats.get("restore").asText()).contains("could not be rebuilt");
    }
    // The new state's log replaced the old one's.
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".calls")))
          .hasSize(1)
          .doesNotContain("hash." + epoch + ".calls");
    }
  }

  private WorkerNode start(Optional<Path> modules) {
    return WorkerConfig.builder(
            ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS), new ReferenceGemm(1))
        .modulesDir(modules)
        .start();
  }

  static void deploy(Http http, WorkerNode worker) {
    HttpResponse<byte[]> put =
        http.send(
            request(worker, "/v1/modules/hash")
                .header("Content-Type", "application/wasm")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(TestModules.bytes("stream_hash"))));
    assertThat(put.statusCode()).as(Http.text(put)).isEqualTo(201);
    HttpResponse<byte[]> policy =
        http.send(
            request(worker, "/v1/modules/hash/recycling")
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(POLICY)));
    assertThat(policy.statusCode()).as(Http.text(policy)).isEqualTo(200);
  }

  static long newState(Http http, long seed) throws IOException {
    HttpResponse<byte[]> made =
        http.postJson("/v1/modules/hash/call/xxh_new", "{\"args\":[" + seed + "]}");
    assertThat(made.statusCode()).as(Http.text(made)).isEqualTo(200);
    return JSON.readTree(made.body()).get("results").get(0).asLong();
  }

  static void update(Http http, long handle, Fed fed, Random random) throws IOException {
    byte[] chunk = new byte[random.nextInt(3000)];
    random.nextBytes(chunk);
    fed.lengths.add(chunk.length);
    fed.bytes.write(chunk);
    String body =
        "{\"args\":["
            + handle
            + ",{\"bytes\":\""
            + Base64.getEncoder().encodeToString(chunk)
            + "\"}]}";
    HttpResponse<byte[]> updated = http.postJson("/v1/modules/hash/call/xxh_update", body);
    assertThat(updated.statusCode()).as(Http.text(updated)).isEqualTo(200);
    assertThat(Http.text(updated)).isEqualTo("{\"results\":[0]}");
  }

  static String digest(Http http, long handle) throws IOException {
    HttpResponse<byte[]> digest =
        http.postJson("/v1/modules/hash/call/xxh_digest", "{\"args\":[" + handle + "]}");
    assertThat(digest.statusCode()).as(Http.text(digest)).isEqualTo(200);
    return "= " + JSON.readTree(digest.body()).get("results").get(0).asLong() + "\n";
  }

  /** What stream_hash_native prints for what {@code fed} holds, fed in the same chunks. */
  static String nativeDigest(long seed, Fed fed) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(TestModules.path("stream_hash_native").toString());
    command.add(Long.toString(seed));
    fed.lengths.forEach(n -> command.add(Integer.toString(n)));
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(fed.bytes.toByteArray());
    }
    String out = new String(p.getInputStream().readAllBytes(), UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();
    return out;
  }

  private static HttpRequest.Builder request(WorkerNode worker, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + worker.port() + path));
  }
}
