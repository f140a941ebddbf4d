package dev.wasmgrid.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

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
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Request bodies share one budget per server ({@code --body-memory}), a binary product's operands
 * included, and take from it as their bytes arrive: clients that declare large bodies and send
 * little hold little, one that finds no room is told to retry, and what a request held is given
 * back when it ends, even when it fails.
 */
class BodyBudgetTest {
  private static final long BUDGET = 48L << 20;

  /** Per kind of body: JSON and binary frames. */
  private static final int CLIENTS = 20;

  /** A 1400² f64 operand, 15 MiB: two fit the budget, and the body limit. */
  private static final int SIDE = 1400;

  private static final Pattern IN_FLIGHT = Pattern.compile("(?m)^wasmgrid_http_inflight (\\S+)$");
  private static final Pattern BODY_BYTES =
      Pattern.compile("(?m)^wasmgrid_http_body_bytes (\\S+)$");

  private WorkerNode worker;

  @BeforeEach
  void start() {
    worker =
        WorkerNode.start(
            ServerSettings.open(
                "127.0.0.1", 0, new Limits(64L << 20, 8192, 256).withBodyMemory(BUDGET)),
            new ReferenceGemm(1));
  }

  @AfterEach
  void stop() {
    worker.close();
  }

  @Test
  void bodiesDeclaredLargeAndSentLittleLeaveRoomForOthers() throws IOException {
    // Warm: the first calls' classes and buffers are no body's.
    assertNormalCallsAnswer();
    long before = usedHeapAfterGc();
    long operands = 2 * MatrixFrames.frameBytes(Dtype.F64, SIDE, SIDE);
    List<Socket> clients = new ArrayList<>();
    try {
      for (int i = 0; i < CLIENTS; i++) {
        clients.add(
            declare("/rpc", "application/json", 40L << 20, "{".getBytes(StandardCharsets.UTF_8)));
        clients.add(declare("/v1/matmul", MatrixFrames.MEDIA_TYPE, operands, frameStart(SIDE)));
      }
      // The scrape counts itself in flight.
      Poll.until(
          "the server is reading every body",
          Duration.ofSeconds(60),
          () -> metric(IN_FLIGHT) == 2 * CLIENTS + 1);

      assertNormalCallsAnswer();
      assertThat(metric(BODY_BYTES)).isPositive().isLessThanOrEqualTo(BUDGET);
      long held = usedHeapAfterGc() - before;
      assertThat(held)
          .as("heap held by %d operands of %d declared bytes, 8 bytes sent", CLIENTS, operands)
          .isLessThan(CLIENTS * operands / 8);
    } finally {
      for (Socket socket : clients) {
        socket.close();
      }
    }
    Poll.until("every cut body was answered", Duration.ofSeconds(60), () -> metric(IN_FLIGHT) == 1);
    Poll.until(
        "the cut bodies gave their memory back",
        Duration.ofSeconds(60),
        () -> metric(BODY_BYTES) == 0);
  }

  @Test
  void aBodyThatFindsNoRoomIs503WithRetryAfterUntilRoomIsGivenBack() throws Exception {
    // 31 MiB of a 32 MiB A arrive, and A is held at its full size, with the 1 MiB chunk they came
    // through.
    int holderSide = 2048;
    long holderLength =
        MatrixFrames.frameBytes(Dtype.F64, holderSide, holderSide)
            + MatrixFrames.frameBytes(Dtype.F64, holderSide, 1);
    byte[] sent = Arrays.copyOf(frameStart(holderSide), MatrixFrames.HEADER_BYTES + (31 << 20));
    Matrix a = RandomMatrices.of(Dtype.F64, 1500, 1500, 1);
    Matrix b = RandomMatrices.of(Dtype.F64, 1500, 1, 2);
    byte[] product = MatrixFrames.encode(a, b);
    Socket holder = declare("/v1/matmul", MatrixFrames.MEDIA_TYPE, holderLength, sent);
    try {
      Poll.until(
          "the first body holds its operand",
          Duration.ofSeconds(60),
          () -> metric(BODY_BYTES) >= (33L << 20));

      String refused = exchange("/v1/matmul", MatrixFrames.MEDIA_TYPE, product);
      assertThat(refused)
          .startsWith("HTTP/1.1 503 ")
          .contains("bodies_over_budget", "--body-memory")
          .containsIgnoringCase("retry-after: 1");
    } finally {
      holder.close();
    }
    Poll.until(
        "the cut body gave its memory back", Duration.ofSeconds(60), () -> metric(BODY_BYTES) == 0);

    HttpResponse<byte[]> answer =
        new Http(worker.port()).post("/v1/matmul", MatrixFrames.MEDIA_TYPE, product);
    assertProduct(answer, a, b);
    Poll.until(
        "the answered body gave its memory back",
        Duration.ofSeconds(60),
        () -> metric(BODY_BYTES) == 0);
  }

  @Test
  void aBodyLargerThanTheWholeBudgetIs413NamingTheFlag() throws IOException {
    long length = BUDGET + 1;
    try (Socket socket = declare("/rpc", "application/json", length, new byte[0])) {
      assertThat(answer(socket.getInputStream()))
          .startsWith("HTTP/1.1 413 ")
          .contains("body_too_large", Long.toString(BUDGET), "--body-memory");
    }
  }

  private void assertNormalCallsAnswer() {
    Http http = new Http(worker.port());
    assertThat(Http.text(http.postJson("/rpc", Nodes.SEED))).contains(Nodes.SEED_ANSWER);
    Matrix a = RandomMatrices.of(Dtype.F64, 3, 4, 1);
    Matrix b = RandomMatrices.of(Dtype.F64, 4, 2, 2);
    HttpResponse<byte[]> product =
        http.post("/v1/matmul", MatrixFrames.MEDIA_TYPE, MatrixFrames.encode(a, b));
    assertProduct(product, a, b);
  }

  private static void assertProduct(HttpResponse<byte[]> answer, Matrix a, Matrix b) {
    assertThat(answer.statusCode()).as(Http.text(answer)).isEqualTo(200);
    double[] c = ((Matrix.F64) MatrixFrames.decode(answer.body(), 8192, "C").getFirst()).data();
    double[] expected = ((Matrix.F64) Matrix.multiply(new ReferenceGemm(1), a, b)).data();
    assertThat(c).containsExactly(expected, within(1e-9));
  }

  /** The header of a side×side f64 frame and its first element. */
  private static byte[] frameStart(int side) {
    ByteBuffer frame =
        ByteBuffer.allocate(MatrixFrames.HEADER_BYTES + 8).order(ByteOrder.LITTLE_ENDIAN);
    frame.put("WGMX".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put(new byte[3]);
    return frame.putInt(side).putInt(side).putDouble(1.0).array();
  }

  /** Opens a POST declaring {@code length} bytes of body and sends {@code start} of it. */
  private Socket declare(String path, String contentType, long length, byte[] start)
      throws IOException {
    Socket socket = new Socket(InetAddress.getLoopbackAddress(), worker.port());
    // A guard against a hang only.
    socket.setSoTimeout(60_000);
    OutputStream out = socket.getOutputStream();
    out.write(head(path, contentType, length));
    out.write(start);
    out.flush();
    return socket;
  }

  /**
   * POSTs {@code body} from another thread and returns the answer's status line, headers and body:
   * a server that refuses a body answers before it has read all of it.
   */
  private String exchange(String path, String contentType, byte[] body) throws Exception {
    Socket socket = declare(path, contentType, body.length, new byte[0]);
    Thread writer =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    socket.getOutputStream().write(body);
                  } catch (IOException answeredEarly) {
                    // The server closed the connection after refusing the body.
                  }
                });
    try {
      return answer(socket.getInputStream());
    } finally {
      socket.close();
      writer.join();
    }
  }

  /** Reads one answer: status line, headers and a body of its Content-Length. */
  private static String answer(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
      int b = in.read();
      assertThat(b).as("the answer ended in its headers: " + head).isNotNegative();
      head.write(b);
    }
    String headers = head.toString(StandardCharsets.US_ASCII);
    Matcher length =
        Pattern.compile("(?m)^content-length: *(\\d+)").matcher(headers.toLowerCase(Locale.ROOT));
    assertThat(length.find()).as(headers).isTrue();
    byte[] body = in.readNBytes(Integer.parseInt(length.group(1)));
    return headers + new String(body, StandardCharsets.UTF_8);
  }

  private static byte[] head(String path, String contentType, long length) {
    return ("POST "
            + path
            + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
            + contentType
            + "\r\nContent-Length: "
            + length
            + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  private double metric(Pattern gauge) {
    Matcher m = gauge.matcher(Http.text(new Http(worker.port()).get("/metrics")));
    assertThat(m.find()).as("the gauge is exported: " + gauge).isTrue();
    return Double.parseDouble(m.group(1));
  }

  private static long usedHeapAfterGc() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
