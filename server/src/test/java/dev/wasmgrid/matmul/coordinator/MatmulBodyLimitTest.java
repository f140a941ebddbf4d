package dev.wasmgrid.matmul.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.wasmgrid.coordinator.CoordinatorNode;
import dev.wasmgrid.grid.discovery.WorkerSources;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.matmul.Dtype;
import dev.wasmgrid.matmul.Matrix;
import dev.wasmgrid.matmul.RandomMatrices;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.matmul.wire.MatrixFrames;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.testing.Nodes;
import dev.wasmgrid.testing.Poll;
import dev.wasmgrid.worker.WorkerNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Under the default limits, every binary product that {@code --max-dim} admits fits its body limit,
 * at a worker, at a coordinator and as a job, while JSON bodies keep {@code --max-body}.
 */
class MatmulBodyLimitTest {
  static final int MAX_BODY = (int) Limits.DEFAULTS.maxBodyBytes();

  /** Both operands within --max-dim, 64 MiB + 8 KiB of frames, yet a product of 8 M multiplies. */
  static final Matrix A = RandomMatrices.of(Dtype.F64, 8192, 1024, 1);

  static final Matrix B = RandomMatrices.of(Dtype.F64, 1024, 1, 2);

  static final Pattern STATUS = Pattern.compile("HTTP/1\\.1 (\\d{3})");
  static final Pattern LENGTH = Pattern.compile("(?i)content-length: *(\\d+)");

  @Test
  void theProductLimitIsTwoF64FramesOfMaxDim() {
    assertThat(MatrixFrames.maxProductBytes(Limits.DEFAULTS))
        .isEqualTo(2 * (16 + 8192L * 8192 * 8))
        // The README's `matmul --n 2048 --server ... --job` and the web form's largest n.
        .isGreaterThanOrEqualTo(2 * MatrixFrames.frameBytes(Dtype.F64, 4096, 4096));
    assertThat(MatrixFrames.maxProductBytes(new Limits(1L << 31, 16, 1)))
        .as("--max-body wins when it is the larger")
        .isEqualTo(1L << 31);
  }

  @Test
  void productsOverMaxBodyButWithinMaxDimAreServedEverywhere() {
    byte[] frames = MatrixFrames.encode(A, B);
    assertThat(frames.length).isGreaterThan(MAX_BODY);
    try (WorkerNode worker = Nodes.worker(0);
        CoordinatorNode alone = Nodes.coordinator(WorkerSources.parse(List.of()), Nodes.FAST);
        CoordinatorNode relay =
            Nodes.coordinator(WorkerSources.parse(List.of(Nodes.url(worker.port()))), Nodes.FAST)) {
      assertProduct(new Http(worker.port()).post("/v1/matmul", MatrixFrames.MEDIA_TYPE, frames));
      assertProduct(new Http(alone.port()).post("/v1/matmul", MatrixFrames.MEDIA_TYPE, frames));
      for (String mode : List.of("local", "distributed")) {
        assertProduct(
            new Http(relay.port())
                .post("/v1/matmul?mode=" + mode, MatrixFrames.MEDIA_TYPE, frames));
      }

      Http jobs = new Http(alone.port());
      HttpResponse<byte[]> submitted =
          jobs.post("/v1/jobs/matmul", MatrixFrames.MEDIA_TYPE, frames);
      assertThat(submitted.statusCode()).as(Http.text(submitted)).isEqualTo(202);
      String job = submitted.headers().firstValue("Location").orElseThrow();
      Poll.until(
          "the job succeeded",
          Duration.ofSeconds(60),
          () -> Http.text(jobs.get(job)).contains("\"state\":\"succeeded\""));
      assertProduct(jobs.get(job + "/result"));
    }
  }

  @Test
  void overTheirLimitsFramesAndJsonAre413NamingTheFlag() throws IOException {
    long product = MatrixFrames.maxProductBytes(Limits.DEFAULTS);
    try (WorkerNode worker = Nodes.worker(0);
        CoordinatorNode coordinator =
            Nodes.coordinator(WorkerSources.parse(List.of()), Nodes.FAST)) {
      for (int port : List.of(worker.port(), coordinator.port())) {
        assertThat(declareOnly(port, "/v1/matmul", MatrixFrames.MEDIA_TYPE, product + 1))
            .startsWith("413 ")
            .contains("body_too_large", Long.toString(product), "--max-dim");
        assertThat(declareOnly(port, "/v1/matmul", "application/json", MAX_BODY + 1L))
            .startsWith("413 ")
            .contains("body_too_large", Integer.toString(MAX_BODY), "--max-body");
        assertThat(declareOnly(port, "/rpc", "application/json", MAX_BODY + 1L))
            .startsWith("413 ")
            .contains("body_too_large");
      }
      assertThat(
              declareOnly(
                  coordinator.port(), "/v1/jobs/matmul", MatrixFrames.MEDIA_TYPE, product + 1))
          .startsWith("413 ")
          .contains("body_too_large", "--max-dim");
      // A job's JSON body is refused anyway (415): it gets no more room than --max-body.
      assertThat(
              declareOnly(coordinator.port(), "/v1/jobs/matmul", "application/json", MAX_BODY + 1L))
          .startsWith("413 ")
          .contains("body_too_large", "--max-body");
    }
  }

  private static void assertProduct(HttpResponse<byte[]> response) {
    assertThat(response.statusCode()).as(Http.text(response)).isEqualTo(200);
    Matrix.F64 c = (Matrix.F64) MatrixFrames.decode(response.body(), 8192, "C").getFirst();
    Matrix.F64 expected = (Matrix.F64) Matrix.multiply(new ReferenceGemm(1), A, B);
    assertThat(c.rows()).isEqualTo(8192);
    assertThat(c.cols()).isEqualTo(1);
    for (int i = 0; i < expected.data().length; i++) {
      // Kernels may sum in another order: equal within rounding, not bitwise.
      assertThat(c.data()[i]).isCloseTo(expected.data()[i], within(1e-9));
    }
  }

  /**
   * POSTs headers declaring a body of {@code length} bytes and sends none: a limit must answer from
   * the declared length alone. Returns the status code, a space and the answer's body.
   */
  private static String declareOnly(int port, String path, String contentType, long length)
      throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST "
                  + path
                  + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                  + contentType
                  + "\r\nContent-Length: "
                  + length
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
        int b = in.read();
        assertThat(b).as("the answer ended in its headers: %s", head).isNotNegative();
        head.write(b);
      }
      String headers = head.toString(StandardCharsets.US_ASCII);
      Matcher status = STATUS.matcher(headers);
      Matcher bodyLength = LENGTH.matcher(headers);
      assertThat(status.find()).as(headers).isTrue();
      assertThat(bodyLength.find()).as(headers).isTrue();
      byte[] body = in.readNBytes(Integer.parseInt(bodyLength.group(1)));
      return status.group(1) + " " + new String(body, StandardCharsets.UTF_8);
    }
  }
}
