package dev.wasmgrid.cli.network;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.matmul.Matrix;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.matmul.wire.MatrixFrames;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the network tests ask a coordinator, over HTTP on loopback. Their operands are {@link
 * dev.wasmgrid.matmul.RandomMatrices#integers small integers}, so an answer can be compared with
 * the reference bit for bit.
 */
final class GridCalls {
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final String base;

  GridCalls(int port) {
    this.base = "http://127.0.0.1:" + port;
  }

  /** A·B by the reference kernel. */
  static Matrix.F64 reference(Matrix a, Matrix b) {
    return (Matrix.F64) Matrix.multiply(new ReferenceGemm(1), a, b);
  }

  /** {@code POST /v1/matmul?mode=MODE} with binary frames; expects 200 and returns C. */
  Matrix.F64 multiply(Matrix a, Matrix b, String mode, Duration timeout) throws Exception {
    HttpResponse<byte[]> answer =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/v1/matmul?mode=" + mode))
                .timeout(timeout)
                .header("Content-Type", MatrixFrames.MEDIA_TYPE)
                .POST(HttpRequest.BodyPublishers.ofByteArray(MatrixFrames.encode(a, b)))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(answer.statusCode())
        .as(new String(answer.body(), StandardCharsets.UTF_8))
        .isEqualTo(200);
    return (Matrix.F64) MatrixFrames.decode(answer.body(), 8192, "C").getFirst();
  }

  /** {@code POST /v1/jobs/matmul} (mode auto); returns the submission's status JSON. */
  String submit(Matrix a, Matrix b) throws Exception {
    HttpResponse<String> answer =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/v1/jobs/matmul"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", MatrixFrames.MEDIA_TYPE)
                .POST(HttpRequest.BodyPublishers.ofByteArray(MatrixFrames.encode(a, b)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);
    return answer.body();
  }

  /** A job's C, once it has succeeded (polled for at most {@code limit}). */
  Matrix.F64 result(String id, Duration limit) throws Exception {
    await(
        "job " + id + " succeeded",
        limit,
        () -> field(get("/v1/jobs/" + id), "state").equals("succeeded"));
    HttpResponse<byte[]> answer =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/v1/jobs/" + id + "/result"))
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(answer.statusCode()).isEqualTo(200);
    return (Matrix.F64) MatrixFrames.decode(answer.body(), 8192, "C").getFirst();
  }

  /** A GET's body, expecting 200. */
  String get(String path) throws Exception {
    HttpResponse<String> answer =
        http.send(
            HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as(path + ": " + answer.body()).isEqualTo(200);
    return answer.body();
  }

  /** A JSON POST's body, expecting {@code status}. */
  String post(String path, String json, int status) throws Exception {
    HttpResponse<String> answer =
        http.send(
            HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(40))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as(path + ": " + answer.body()).isEqualTo(status);
    return answer.body();
  }

  /** The first {@code "name":value} in {@code json}, unquoted; empty when absent or null. */
  static String field(String json, String name) {
    Matcher m =
        Pattern.compile("\"" + Pattern.quote(name) + "\":(\"([^\"]*)\"|[-0-9.eE]+)").matcher(json);
    if (!m.find()) {
      return "";
    }
    return m.group(2) != null ? m.group(2) : m.group(1);
  }

  /** Polls {@code condition} every 50 ms until it holds, failing after {@code limit}. */
  static void await(String what, Duration limit, Callable<Boolean> condition) throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.call()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("not within " + limit + ": " + what);
      }
      TimeUnit.MILLISECONDS.sleep(50);
    }
  }
}
