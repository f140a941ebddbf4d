package dev.wasmgrid.cli.network;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.matmul.Matrix;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.matmul.wire.MatrixFrames;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.testing.Poll;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the network tests ask a coordinator, over HTTP on loopback. Their operands are {@link
 * dev.wasmgrid.matmul.RandomMatrices#integers small integers}, so an answer can be compared with
 * the reference bit for bit.
 */
final class GridCalls {
  private final Http http;

  GridCalls(int port) {
    this.http = new Http(port);
  }

  /** A·B by the reference kernel. */
  static Matrix.F64 reference(Matrix a, Matrix b) {
    return (Matrix.F64) Matrix.multiply(new ReferenceGemm(1), a, b);
  }

  /** {@code POST /v1/matmul?mode=MODE} with binary frames; expects 200 and returns C. */
  Matrix.F64 multiply(Matrix a, Matrix b, String mode, Duration timeout) {
    HttpResponse<byte[]> answer =
        http.post(
            "/v1/matmul?mode=" + mode, MatrixFrames.MEDIA_TYPE, MatrixFrames.encode(a, b), timeout);
    assertThat(answer.statusCode()).as(Http.text(answer)).isEqualTo(200);
    return (Matrix.F64) MatrixFrames.decode(answer.body(), 8192, "C").getFirst();
  }

  /** {@code POST /v1/jobs/matmul} (mode auto); returns the submission's status JSON. */
  String submit(Matrix a, Matrix b) {
    HttpResponse<byte[]> answer =
        http.post("/v1/jobs/matmul", MatrixFrames.MEDIA_TYPE, MatrixFrames.encode(a, b));
    assertThat(answer.statusCode()).as(Http.text(answer)).isEqualTo(202);
    return Http.text(answer);
  }

  /** A job's C, once it has succeeded (polled for at most {@code limit}). */
  Matrix.F64 result(String id, Duration limit) {
    Poll.until(
        "job " + id + " succeeded",
        limit,
        () -> field(get("/v1/jobs/" + id), "state").equals("succeeded"));
    HttpResponse<byte[]> answer = http.get("/v1/jobs/" + id + "/result");
    assertThat(answer.statusCode()).isEqualTo(200);
    return (Matrix.F64) MatrixFrames.decode(answer.body(), 8192, "C").getFirst();
  }

  /** A GET's body, expecting 200. */
  String get(String path) {
    HttpResponse<byte[]> answer = http.get(path);
    assertThat(answer.statusCode()).as(path + ": " + Http.text(answer)).isEqualTo(200);
    return Http.text(answer);
  }

  /** A JSON POST's body, expecting {@code status}. */
  String post(String path, String json, int status) {
    HttpResponse<byte[]> answer = http.postJson(path, json);
    assertThat(answer.statusCode()).as(path + ": " + Http.text(answer)).isEqualTo(status);
    return Http.text(answer);
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

  /**
   * {@link Poll#until} for a condition that may throw (reading the lab's counters does), failing
   * after {@code limit}.
   */
  static void await(String what, Duration limit, Callable<Boolean> condition) {
    Poll.until(
        what,
        limit,
        () -> {
          try {
            return condition.call();
          } catch (Exception e) {
            throw new IllegalStateException("checking whether " + what + " failed", e);
          }
        });
  }
}
