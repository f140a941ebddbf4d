package dev.wasmgrid.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wasmgrid.bench.LocalCluster;
import dev.wasmgrid.testing.TestModules;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker process killed with SIGKILL and started again on its module directory rebuilds a
 * stateful module's state from the call log stored beside the module: the handle a client holds
 * still answers, with the digest the same C built natively gives. Before, the log was not stored:
 * the handle was refused (or, before issue 15, answered from an empty table).
 */
class StatefulRestartProcessTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  final LocalCluster cluster = new LocalCluster(LocalCluster.sameJvm(Main.class.getName()));
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @TempDir Path dir;

  @AfterEach
  void stopAll() {
    cluster.close();
  }

  @Test
  void aKilledWorkerRebuildsTheStateFromTheStoredLog() throws Exception {
    LocalCluster.Node worker = start();
    HttpResponse<String> deployed =
        send(
            worker.port(),
            HttpRequest.newBuilder()
                .header("Content-Type", "application/wasm")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(TestModules.bytes("stream_hash"))),
            "/v1/modules/hash");
    assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
    HttpResponse<String> policy =
        send(
            worker.port(),
            HttpRequest.newBuilder()
                .header("Content-Type", "application/json")
                .PUT(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"state_exports\":[\"xxh_new\",\"xxh_update\"],"
                            + "\"handle_params\":{\"xxh_update\":[0],\"xxh_digest\":[0]},"
                            + "\"digest_export\":\"xxh_digest\"}")),
            "/v1/modules/hash/recycling");
    assertThat(policy.statusCode()).as(policy.body()).isEqualTo(200);
    long handle =
        JSON.readTree(call(worker.port(), "xxh_new", "[5]", 200)).get("results").get(0).asLong();
    List<Integer> lengths = new ArrayList<>();
    ByteArrayOutputStream fed = new ByteArrayOutputStream();
    Random random = new Random(9);
    for (int i = 0; i < 10; i++) {
      update(worker.port(), handle, lengths, fed, random);
    }
    String before = digest(worker.port(), handle);
    assertThat(before).isEqualTo(nativeDigest(5, lengths, fed.toByteArray()));

    worker.process().destroyForcibly();
    assertThat(worker.process().waitFor(20, TimeUnit.SECONDS)).isTrue();
    LocalCluster.Node again = start();
    assertThat(digest(again.port(), handle)).isEqualTo(before);
    update(again.port(), handle, lengths, fed, random);
    assertThat(digest(again.port(), handle)).isEqualTo(nativeDigest(5, lengths, fed.toByteArray()));
    String never = call(again.port(), "xxh_digest", "[" + (handle + 4096) + "]", 409);
    assertThat(never).contains("unknown_handle");
  }

  private void update(
      int port, long handle, List<Integer> lengths, ByteArrayOutputStream fed, Random random)
      throws Exception {
    byte[] chunk = new byte[random.nextInt(2000)];
    random.nextBytes(chunk);
    lengths.add(chunk.length);
    fed.write(chunk);
    String args =
        "[" + handle + ",{\"bytes\":\"" + Base64.getEncoder().encodeToString(chunk) + "\"}]";
    assertThat(call(port, "xxh_update", args, 200)).isEqualTo("{\"results\":[0]}");
  }

  private String digest(int port, long handle) throws Exception {
    JsonNode answer = JSON.readTree(call(port, "xxh_digest", "[" + handle + "]", 200));
    return "= " + answer.get("results").get(0).asLong() + "\n";
  }

  /** What stream_hash_native prints for {@code data} fed in chunks of {@code lengths}. */
  private static String nativeDigest(long seed, List<Integer> lengths, byte[] data)
      throws Exception {
    List<String> command = new ArrayList<>();
    command.add(TestModules.path("stream_hash_native").toString());
    command.add(Long.toString(seed));
    lengths.forEach(n -> command.add(Integer.toString(n)));
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(data);
    }
    String out = new String(p.getInputStream().readAllBytes(), UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return out;
  }

  private LocalCluster.Node start() throws Exception {
    return cluster.start(
        "worker",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--threads",
        "1",
        "--modules-dir",
        dir.toString());
  }

  private String call(int port, String export, String args, int status) throws Exception {
    HttpResponse<String> answer =
        send(
            port,
            HttpRequest.newBuilder()
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"args\":" + args + "}")),
            "/v1/modules/hash/call/" + export);
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(status);
    return answer.body();
  }

  private HttpResponse<String> send(int port, HttpRequest.Builder request, String path)
      throws Exception {
    return http.send(
        request
            .uri(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(60))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
