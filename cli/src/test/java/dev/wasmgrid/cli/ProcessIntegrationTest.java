package dev.wasmgrid.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.wasmgrid.bench.LocalCluster;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.matmul.Dtype;
import dev.wasmgrid.matmul.Matrix;
import dev.wasmgrid.matmul.RandomMatrices;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.matmul.wire.MatrixFrames;
import dev.wasmgrid.worker.WorkerNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Real processes on loopback: a worker and a coordinator started as separate JVMs with the CLI, the
 * seed's request sent byte for byte through the coordinator to the worker.
 */
class ProcessIntegrationTest {
  static final String SEED =
      "{\"meta\":[{\"name\":\"method\",\"value\":\"multiply\"}],\"content\":\"{\\\"A\\\":\\\"[[1,2],[3,4]]\\\",\\\"B\\\":\\\"[[5,6],[7,8]]\\\"}\"}";

  final LocalCluster cluster = new LocalCluster(LocalCluster.sameJvm(Main.class.getName()));
  final List<Process> processes = new ArrayList<>();
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @AfterEach
  void stopAll() {
    cluster.close();
  }

  @Test
  void seedRequestThroughCoordinatorProcessToWorkerProcess() throws Exception {
    int worker = start("worker", "--threads", "1");
    int coordinator = start("serve", "--workers", "http://127.0.0.1:" + worker);

    HttpResponse<String> answer = post(coordinator, "/rpc", SEED);
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.body())
        .isEqualTo(
            "{\"meta\":[{\"name\":\"status\",\"value\":\"ok\"}],"
                + "\"content\":\"{\\\"C\\\":\\\"[[19,22],[43,50]]\\\"}\"}");
    // The worker process, not the coordinator, did the work.
    assertThat(get(worker, "/metrics").body())
        .containsPattern(
            "wasmgrid_http_requests_seconds_count\\{method=\"POST\",route=\"/rpc\",status=\"200\"} 1")
        .containsPattern("wasmgrid_matmul_flops_total\\{backend=\"[a-z]+\"} 16");

    // Bad input through the coordinator is answered by the worker, which keeps serving.
    HttpResponse<String> bad = post(coordinator, "/rpc", "{\"meta\":[],\"content\":\"x\"}");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(post(coordinator, "/rpc", SEED).statusCode()).isEqualTo(200);

    // With its only worker gone, the coordinator computes on its own kernel and stays up.
    processes.getFirst().destroy();
    assertThat(processes.getFirst().waitFor(20, TimeUnit.SECONDS)).isTrue();
    HttpResponse<String> orphaned = post(coordinator, "/rpc", SEED);
    assertThat(orphaned.statusCode()).isEqualTo(200);
    assertThat(orphaned.body()).contains("[[19,22],[43,50]]");
    assertThat(get(coordinator, "/health/live").statusCode()).isEqualTo(200);
  }

  @Test
  void hungAndKilledWorkersLoseNoTiles() throws Exception {
    int killed = start("worker", "--threads", "1");
    Process killedProcess = processes.getLast();
    int hung = start("worker", "--threads", "1");
    Process hungProcess = processes.getLast();
    int healthy = start("worker", "--threads", "1");
    int coordinator =
        start(
            "serve",
            "--worker-timeout",
            "PT3S",
            "--workers",
            "http://127.0.0.1:"
                + killed
                + ",http://127.0.0.1:"
                + hung
                + ",http://127.0.0.1:"
                + healthy);
    // The hung worker still accepts connections (the kernel does that) but never answers.
    signal("STOP", hungProcess);
    try {
      Matrix a = RandomMatrices.of(Dtype.F64, 600, 500, 7);
      Matrix b = RandomMatrices.of(Dtype.F64, 500, 650, 8);
      CompletableFuture<HttpResponse<byte[]>> answer =
          http.sendAsync(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + coordinator + "/v1/matmul"))
                  .timeout(Duration.ofSeconds(60))
                  .header("Content-Type", MatrixFrames.MEDIA_TYPE)
                  .POST(HttpRequest.BodyPublishers.ofByteArray(MatrixFrames.encode(a, b)))
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      killedProcess.destroyForcibly();
      HttpResponse<byte[]> response = answer.get(60, TimeUnit.SECONDS);
      assertThat(response.statusCode()).isEqualTo(200);
      Matrix.F64 c = (Matrix.F64) MatrixFrames.decode(response.body(), 1000, "C").getFirst();
      Matrix.F64 expected = (Matrix.F64) Matrix.multiply(new ReferenceGemm(2), a, b);
      for (int i = 0; i < expected.data().length; i++) {
        // Workers may compute with BLAS or the Vector API: equal within rounding, not bitwise.
        assertThat(c.data()[i]).isCloseTo(expected.data()[i], within(1e-10));
      }
      assertThat(get(healthy, "/metrics").body())
          .containsPattern(
              "wasmgrid_http_requests_seconds_count\\{method=\"POST\",route=\"/v1/matmul\",status=\"200\"} [1-9]");
    } finally {
      signal("CONT", hungProcess);
    }
  }

  @Test
  void serveWithNoFlagsComputesInProcess() throws Exception {
    int coordinator = start("serve");
    HttpResponse<String> answer = post(coordinator, "/rpc", SEED);
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.body()).contains("[[19,22],[43,50]]");
    // The web module is on serve's class path, so the page and its wasm build are served.
    assertThat(get(coordinator, "/").body()).contains("app/matmul/app.js");
    assertThat(get(coordinator, "/app/matmul/gemm.wasm").statusCode()).isEqualTo(200);
  }

  @Test
  void matmulCommandSendsSeededOperandsWithTheToken() throws Exception {
    try (WorkerNode worker =
        WorkerNode.start(
            new ServerSettings("127.0.0.1", 0, Limits.DEFAULTS, Optional.of("s3cret")),
            new ReferenceGemm(1))) {
      String printed =
          MatmulCli.run(
              "--n",
              "96",
              "--seed",
              "5",
              "--token",
              "s3cret",
              "--server",
              "http://127.0.0.1:" + worker.port());
      // The worker's kernel is the reference, so the checksum matches to the last digit.
      assertThat(printed).contains(MatmulCli.referenceChecksum(96, 5));
    }
  }

  @Test
  void workerJoinsTheCoordinatorAndIsDroppedWhenItStops() throws Exception {
    int coordinator = start("serve", "--workers", "join", "--heartbeat-interval", "PT0.2S");
    int worker = start("worker", "--threads", "1", "--join", "http://127.0.0.1:" + coordinator);
    // The worker advertises its --host and port by default.
    String listed = "\"url\":\"http://127.0.0.1:" + worker + "\"";
    awaitCondition(
        "the worker is listed", () -> get(coordinator, "/v1/workers").body().contains(listed));
    assertThat(get(coordinator, "/v1/workers").body()).contains("\"source\":\"join\"");
    assertThat(post(coordinator, "/rpc", SEED).statusCode()).isEqualTo(200);

    processes.get(1).destroy();
    assertThat(processes.get(1).waitFor(20, TimeUnit.SECONDS)).isTrue();
    awaitCondition(
        "the stopped worker is dropped",
        () -> !get(coordinator, "/v1/workers").body().contains(listed));
  }

  /** Polls {@code condition} every 50 ms for at most 20 s. */
  private static void awaitCondition(String what, Callable<Boolean> condition) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    for (int i = 0; i < 400 && System.nanoTime() - deadline < 0; i++) {
      if (condition.call()) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("timed out waiting until " + what);
  }

  private static void signal(String name, Process process) throws Exception {
    Process kill =
        new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
    assertThat(kill.waitFor()).isZero();
  }

  /**
   * Starts {@code wasmgrid ROLE --host 127.0.0.1 --port 0 ARGS...} as a JVM and returns the port it
   * announces.
   */
  private int start(String role, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(role, "--host", "127.0.0.1", "--port", "0"));
    command.addAll(List.of(args));
    LocalCluster.Node node = cluster.start(command.toArray(String[]::new));
    processes.add(node.process());
    return node.port();
  }

  private HttpResponse<String> post(int port, String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(30))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
