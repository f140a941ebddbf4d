package dev.wasmgrid.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.wasmgrid.bench.LocalCluster;
import dev.wasmgrid.matmul.Matrix;
import dev.wasmgrid.matmul.RandomMatrices;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.matmul.wire.MatrixFrames;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A worker process frozen with SIGSTOP keeps its connections open and reads nothing: a distributed
 * product must still finish, exact, once the coordinator's worker timeout has passed, with the
 * frozen worker's tile computed elsewhere (before: 3 of 6 such products hung until SIGCONT).
 */
class FrozenWorkerTest {
  private final LocalCluster cluster = new LocalCluster(LocalCluster.sameJvm(Main.class.getName()));
  private LocalCluster.Node frozen;

  @AfterEach
  void thawAndStop() throws Exception {
    if (frozen != null) {
      signal(frozen, "-CONT");
    }
    cluster.close();
  }

  @Test
  void aProductFinishesExactWhileAWorkerIsFrozen() throws Exception {
    LocalCluster.Node healthy = cluster.start("worker", "--port", "0", "--threads", "1");
    frozen = cluster.start("worker", "--port", "0", "--threads", "1");
    LocalCluster.Node coordinator =
        cluster.start(
            "serve",
            "--port",
            "0",
            "--workers",
            healthy.url() + "," + frozen.url(),
            "--worker-timeout",
            "PT3S",
            "--threads",
            "1");
    signal(frozen, "-STOP");
    // Tiles of about 12 MB: more than a stopped process's socket buffers take, so the upload
    // itself blocks, as well as the answer.
    Matrix a = RandomMatrices.integers(1024, 1024, 1);
    Matrix b = RandomMatrices.integers(1024, 1024, 2);
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<byte[]> answer =
        assertTimeoutPreemptively(
            Duration.ofSeconds(90),
            () ->
                http.send(
                    HttpRequest.newBuilder(
                            URI.create(coordinator.url() + "/v1/matmul?mode=distributed"))
                        .header("Content-Type", MatrixFrames.MEDIA_TYPE)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(MatrixFrames.encode(a, b)))
                        .build(),
                    HttpResponse.BodyHandlers.ofByteArray()));
    assertThat(answer.statusCode())
        .as(new String(answer.body(), StandardCharsets.UTF_8))
        .isEqualTo(200);
    List<Matrix> c = MatrixFrames.decode(answer.body(), 1024, "C");
    Matrix.F64 expected = (Matrix.F64) Matrix.multiply(new ReferenceGemm(1), a, b);
    // isEqualTo compares arrays in one pass; containsExactly took a minute over 2^20 elements.
    assertThat(((Matrix.F64) c.getFirst()).data()).isEqualTo(expected.data());
  }

  private static void signal(LocalCluster.Node node, String signal)
      throws IOException, InterruptedException {
    Process kill =
        new ProcessBuilder("kill", signal, Long.toString(node.process().pid())).inheritIO().start();
    assertThat(kill.waitFor()).isZero();
  }
}
