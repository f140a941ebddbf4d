package dev.wasmgrid.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wasmgrid.bench.LocalCluster;
import dev.wasmgrid.matmul.Dtype;
import dev.wasmgrid.matmul.Matrix;
import dev.wasmgrid.matmul.RandomMatrices;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.matmul.wire.MatrixFrames;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stopping a coordinator process the ways an orchestrator does: SIGTERM, which must drain, and
 * SIGKILL, after which a restarted coordinator must still know the jobs. The coordinator's only
 * worker is a separate process held with SIGSTOP, so a product is in flight for exactly as long as
 * the test needs.
 */
class ShutdownProcessTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  final LocalCluster cluster = new LocalCluster(LocalCluster.sameJvm(Main.class.getName()));
  final List<Process> stopped = new ArrayList<>();
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @TempDir Path jobsDir;

  @AfterEach
  void stopAll() throws Exception {
    for (Process process : stopped) {
      signal("CONT", process);
    }
    cluster.close();
  }

  @Test
  void sigtermDrainsTheProductInServiceRefusesNewRequestsAndExitsZero() throws Exception {
    LocalCluster.Node worker = cluster.start(args("worker", "--threads", "1"));
    LocalCluster.Node coordinator =
        cluster.start(
            args(
                "serve",
                "--workers",
                worker.url(),
                "--jobs-dir",
                jobsDir.toString(),
                "--drain-timeout",
                "PT2M"));
    hold(worker);
    Matrix a = RandomMatrices.of(Dtype.F64, 60, 50, 7);
    Matrix b = RandomMatrices.of(Dtype.F64, 50, 40, 8);
    CompletableFuture<HttpResponse<byte[]>> inService =
        http.sendAsync(
            request(coordinator, "/v1/matmul?mode=distributed")
                .header("Content-Type", MatrixFrames.MEDIA_TYPE)
                .POST(HttpRequest.BodyPublishers.ofByteArray(MatrixFrames.encode(a, b)))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    awaitCondition(
        "the product waits on the held worker",
        () -> json(get(coordinator, "/v1/workers")).findValue("inflight_blocks").asInt() > 0);

    coordinator.process().destroy(); // SIGTERM
    awaitCondition(
        "readiness goes false", () -> get(coordinator, "/health/ready").statusCode() == 503);
    assertThat(get(coordinator, "/health/ready").body()).isEqualTo("{\"status\":\"DRAINING\"}");
    HttpResponse<String> refused = get(coordinator, "/v1/workers");
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(json(refused).path("error").path("code").asText()).isEqualTo("shutting_down");
    assertThat(refused.headers().firstValue("Retry-After")).hasValue("2");
    HttpResponse<String> refusedRpc =
        http.send(
            request(coordinator, "/rpc")
                .POST(HttpRequest.BodyPublishers.ofString(ProcessIntegrationTest.SEED))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(refusedRpc.statusCode()).isEqualTo(503);
    assertThat(refusedRpc.body()).contains("shutting_down");
    assertThat(coordinator.process().isAlive()).as("the held product keeps it up").isTrue();

    release(worker);
    HttpResponse<byte[]> answered = inService.get(60, TimeUnit.SECONDS);
    assertThat(answered.statusCode()).isEqualTo(200);
    Matrix.F64 c = (Matrix.F64) MatrixFrames.decode(answered.body(), 100, "C").getFirst();
    Matrix.F64 expected = (Matrix.F64) Matrix.multiply(new ReferenceGemm(1), a, b);
    for (int i = 0; i < expected.data().length; i++) {
      // The worker may compute with BLAS or the Vector API: equal within rounding.
      assertThat(c.data()[i]).isCloseTo(expected.data()[i], within(1e-10));
    }
    assertThat(coordinator.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(coordinator.process().exitValue()).as("a stop carried out").isZero();
  }

  @Test
  void aCoordinatorKilledWithARunningJobReportsItAfterARestart() throws Exception {
    LocalCluster.Node worker = cluster.start(args("worker", "--threads", "1"));
    String[] serve = args("serve", "--workers", worker.url(), "--jobs-dir", jobsDir.toString());
    LocalCluster.Node coordinator = cluster.start(serve);
    hold(worker);
    Matrix a = RandomMatrices.of(Dtype.F32, 60, 50, 7);
    Matrix b = RandomMatrices.of(Dtype.F32, 50, 40, 8);
    HttpResponse<String> submitted =
        http.send(
            request(coordinator, "/v1/jobs/matmul?mode=distributed")
                .header("Content-Type", MatrixFrames.MEDIA_TYPE)
                .POST(HttpRequest.BodyPublishers.ofByteArray(MatrixFrames.encode(a, b)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(202);
    String id = json(submitted).get("id").asText();
    awaitCondition(
        "the job runs",
        () -> json(get(coordinator, "/v1/jobs/" + id)).get("state").asText().equals("running"));

    coordinator.process().destroyForcibly(); // SIGKILL: no hook runs
    assertThat(coordinator.process().waitFor(60, TimeUnit.SECONDS)).isTrue();

    LocalCluster.Node restarted = cluster.start(serve);
    HttpResponse<String> status = get(restarted, "/v1/jobs/" + id);
    assertThat(status.statusCode()).as(status.body()).isEqualTo(200);
    JsonNode job = json(status);
    assertThat(job.get("state").asText()).isEqualTo("failed");
    assertThat(job.path("error").path("code").asText()).isEqualTo("coordinator_restarted");
    assertThat(List.of(job.get("dtype").asText(), job.get("m").asInt(), job.get("n").asInt()))
        .containsExactly("f32", 60, 40);
  }

  private static String[] args(String role, String... more) {
    List<String> command = new ArrayList<>(List.of(role, "--host", "127.0.0.1", "--port", "0"));
    if (role.equals("worker")) {
      command.addAll(List.of("--modules-dir", "none"));
    }
    command.addAll(List.of(more));
    return command.toArray(String[]::new);
  }

  /** SIGSTOP: the worker still accepts connections (the kernel does that) but never answers. */
  private void hold(LocalCluster.Node worker) throws Exception {
    signal("STOP", worker.process());
    stopped.add(worker.process());
  }

  private void release(LocalCluster.Node worker) throws Exception {
    signal("CONT", worker.process());
    stopped.remove(worker.process());
  }

  private static void signal(String name, Process process) throws Exception {
    Process kill =
        new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
    assertThat(kill.waitFor()).isZero();
  }

  /** Polls {@code condition} every 50 ms for at most 30 s. */
  private static void awaitCondition(String what, Callable<Boolean> condition) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    for (int i = 0; i < 600 && System.nanoTime() - deadline < 0; i++) {
      if (condition.call()) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("timed out waiting until " + what);
  }

  private static HttpRequest.Builder request(LocalCluster.Node node, String path) {
    return HttpRequest.newBuilder(URI.create(node.url() + path)).timeout(Duration.ofSeconds(60));
  }

  private HttpResponse<String> get(LocalCluster.Node node, String path) throws Exception {
    return http.send(
        request(node, path).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private static JsonNode json(HttpResponse<String> response) throws Exception {
    return JSON.readTree(response.body());
  }
}
