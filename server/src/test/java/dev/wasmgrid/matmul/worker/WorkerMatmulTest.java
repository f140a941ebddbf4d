package dev.wasmgrid.matmul.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.matmul.Matrix;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.matmul.wire.MatrixFrames;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.worker.WorkerNode;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code POST /v1/matmul} (JSON and binary), health and metrics, on a real worker. */
class WorkerMatmulTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static WorkerNode worker;
  static Http http;

  @BeforeAll
  static void start() {
    worker =
        WorkerNode.start(
            ServerSettings.open("127.0.0.1", 0, new Limits(1 << 20, 128, 16)),
            new ReferenceGemm(2));
    http = new Http(worker.port());
  }

  @AfterAll
  static void stop() {
    worker.close();
  }

  @Test
  void jsonProductNamesTheBackend() throws Exception {
    HttpResponse<byte[]> response =
        http.postJson("/v1/matmul", "{\"A\":[[1,2],[3,4]],\"B\":\"[[5,6],[7,8]]\"}");
    assertThat(response.statusCode()).isEqualTo(200);
    var body = JSON.readTree(response.body());
    assertThat(body.get("C").toString()).isEqualTo("[[19,22],[43,50]]");
    assertThat(body.get("backend").asText()).isEqualTo("ref");
  }

  @Test
  void binaryFramesRoundTripBitForBit() {
    SplittableRandom random = new SplittableRandom(7);
    Matrix.F64 a = new Matrix.F64(37, 53, random.doubles(37 * 53, -1, 1).toArray());
    Matrix.F64 b = new Matrix.F64(53, 29, random.doubles(53 * 29, -1, 1).toArray());
    HttpResponse<byte[]> response =
        http.post("/v1/matmul", MatrixFrames.MEDIA_TYPE, MatrixFrames.encode(a, b));
    assertThat(response.statusCode()).as(Http.text(response)).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue(MatrixFrames.MEDIA_TYPE);
    Matrix.F64 c = (Matrix.F64) MatrixFrames.decode(response.body(), 1000, "C").getFirst();
    Matrix.F64 expected = (Matrix.F64) Matrix.multiply(new ReferenceGemm(1), a, b);
    assertThat(c.rows()).isEqualTo(37);
    assertThat(c.cols()).isEqualTo(29);
    assertThat(c.data()).isEqualTo(expected.data());
  }

  @Test
  void binaryF32Works() {
    Matrix.F32 a = new Matrix.F32(1, 2, new float[] {0.5f, 2f});
    Matrix.F32 b = new Matrix.F32(2, 1, new float[] {4f, 0.25f});
    HttpResponse<byte[]> response =
        http.post("/v1/matmul", MatrixFrames.MEDIA_TYPE, MatrixFrames.encode(a, b));
    assertThat(response.statusCode()).isEqualTo(200);
    Matrix.F32 c = (Matrix.F32) MatrixFrames.decode(response.body(), 10, "C").getFirst();
    assertThat(c.data()).containsExactly(2.5f);
  }

  @Test
  void truncatedOrMalformedFramesAre400() {
    byte[] good =
        MatrixFrames.encode(
            new Matrix.F64(2, 2, new double[] {1, 2, 3, 4}),
            new Matrix.F64(2, 2, new double[] {1, 0, 0, 1}));
    assertError(
        http.post("/v1/matmul", MatrixFrames.MEDIA_TYPE, Arrays.copyOf(good, good.length - 1)),
        400,
        "truncated_frame");
    byte[] badMagic = good.clone();
    badMagic[0] = 'X';
    assertError(http.post("/v1/matmul", MatrixFrames.MEDIA_TYPE, badMagic), 400, "bad_frame");
    assertError(
        http.post("/v1/matmul", MatrixFrames.MEDIA_TYPE, Arrays.copyOf(good, good.length + 3)),
        400,
        "trailing_bytes");
    byte[] nan =
        MatrixFrames.encode(
            new Matrix.F64(1, 1, new double[] {Double.NaN}),
            new Matrix.F64(1, 1, new double[] {1}));
    assertError(http.post("/v1/matmul", MatrixFrames.MEDIA_TYPE, nan), 400, "non_finite");
    byte[] huge =
        MatrixFrames.encode(new Matrix.F64(1, 200, new double[200]), Matrix.F64.zeros(200, 1));
    assertError(http.post("/v1/matmul", MatrixFrames.MEDIA_TYPE, huge), 413, "dimension_too_large");
  }

  @Test
  void unsupportedMediaTypeIs415() {
    assertError(
        http.post("/v1/matmul", "text/csv", "1,2\n3,4".getBytes(StandardCharsets.UTF_8)),
        415,
        "unsupported_media_type");
  }

  private static void assertError(HttpResponse<byte[]> response, int status, String code) {
    assertThat(response.statusCode()).as(Http.text(response)).isEqualTo(status);
    assertThat(Http.text(response)).contains("\"code\":\"" + code + "\"");
  }

  @Test
  void healthAndMetrics() {
    assertThat(http.get("/health/live").statusCode()).isEqualTo(200);
    assertThat(http.get("/health/ready").statusCode()).isEqualTo(200);
    http.postJson("/v1/matmul", "{\"A\":[[1,2],[3,4]],\"B\":[[5,6],[7,8]]}");
    http.postJson("/v1/matmul", "{\"A\":[[1,2]],\"B\":[[5,6]]}");
    HttpResponse<byte[]> metrics = http.get("/metrics");
    assertThat(metrics.statusCode()).isEqualTo(200);
    String text = Http.text(metrics);
    assertThat(text)
        .containsPattern(
            "wasmgrid_http_requests_seconds_count\\{method=\"POST\",route=\"/v1/matmul\",status=\"200\"} [1-9]")
        .containsPattern(
            "wasmgrid_http_requests_seconds_count\\{method=\"POST\",route=\"/v1/matmul\",status=\"400\"} [1-9]")
        .contains("wasmgrid_http_requests_seconds_bucket")
        .contains("wasmgrid_http_inflight")
        .containsPattern("wasmgrid_matmul_flops_total\\{backend=\"ref\"} [1-9]")
        .contains("wasmgrid_matmul_backend{backend=\"ref\",threads=\"2\"} 1");
  }
}
