package dev.wasmgrid.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.coordinator.CoordinatorNode;
import dev.wasmgrid.grid.discovery.WorkerSources;
import dev.wasmgrid.llm.ScalarCompute;
import dev.wasmgrid.llm.worker.LlmTestModels;
import dev.wasmgrid.matmul.Dtype;
import dev.wasmgrid.matmul.RandomMatrices;
import dev.wasmgrid.matmul.wire.MatrixFrames;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.testing.Nodes;
import dev.wasmgrid.testing.Poll;
import dev.wasmgrid.testing.RawHttp;
import dev.wasmgrid.worker.WorkerNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bodies that end before their Content-Length, or whose chunked framing is broken, are the client's
 * fault: every route that reads a body answers 400 in its own error shape, naming no server class,
 * and the server goes on serving.
 */
class TruncatedBodiesTest {
  private static final String JSON = "application/json";

  private static final Pattern MATMUL_COUNT =
      Pattern.compile(
          "wasmgrid_http_requests_seconds_count"
              + "\\{method=\"POST\",route=\"/v1/matmul\",status=\"\\d+\"} (\\d+)");

  /** Warnings and stack traces the servers log (Helidon logs through java.util.logging). */
  private static final ConcurrentLinkedQueue<LogRecord> WARNINGS = new ConcurrentLinkedQueue<>();

  private static final Handler CAPTURE =
      new Handler() {
        @Override
        public void publish(LogRecord record) {
          if (record.getLevel().intValue() >= Level.WARNING.intValue()
              || record.getThrown() != null) {
            WARNINGS.add(record);
          }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  private static WorkerNode worker;
  private static CoordinatorNode coordinator;

  @BeforeAll
  static void start() {
    Logger.getLogger("").addHandler(CAPTURE);
    worker =
        LlmTestModels.worker(Limits.DEFAULTS, LlmTestModels.hosts("tiny", new ScalarCompute(), 1));
    coordinator = Nodes.coordinator(WorkerSources.parse(List.of()), Nodes.FAST);
  }

  @AfterAll
  static void stop() {
    coordinator.close();
    worker.close();
    Logger.getLogger("").removeHandler(CAPTURE);
  }

  @AfterEach
  void nothingWasLoggedAsAServerFailure() {
    assertThat(WARNINGS)
        .extracting(r -> r.getLevel() + " " + r.getMessage() + " " + r.getThrown())
        .isEmpty();
  }

  @Test
  void aJsonBodyCutShortIs400OnEveryRoute() throws IOException {
    byte[] json = Nodes.SEED.getBytes(StandardCharsets.UTF_8);
    assertTruncated(worker.port(), "POST", "/rpc", JSON, json);
    assertTruncated(coordinator.port(), "POST", "/rpc", JSON, json);
    assertTruncated(worker.port(), "POST", "/v1/matmul", JSON, json);
    assertTruncated(
        coordinator.port(),
        "POST",
        "/v1/sim",
        JSON,
        "{\"entities\":100}".getBytes(StandardCharsets.UTF_8));
    assertTruncated(
        worker.port(),
        "POST",
        "/v1/generate",
        JSON,
        "{\"prompt\":\"a\",\"max_tokens\":2}".getBytes(StandardCharsets.UTF_8));
    assertStillServing();
  }

  @Test
  void binaryBodiesCutShortAre400() throws IOException {
    byte[] frames =
        MatrixFrames.encode(
            RandomMatrices.of(Dtype.F32, 8, 8, 1), RandomMatrices.of(Dtype.F32, 8, 8, 2));
    assertTruncated(worker.port(), "POST", "/v1/matmul", MatrixFrames.MEDIA_TYPE, frames);
    assertTruncated(coordinator.port(), "POST", "/v1/matmul", MatrixFrames.MEDIA_TYPE, frames);
    assertTruncated(coordinator.port(), "POST", "/v1/jobs/matmul", MatrixFrames.MEDIA_TYPE, frames);
    byte[] module = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
    assertTruncated(worker.port(), "PUT", "/v1/modules/cut", "application/wasm", module);
    assertStillServing();
  }

  @Test
  void aBrokenChunkedBodyIs400() throws IOException {
    for (int port : new int[] {worker.port(), coordinator.port()}) {
      assertThat(chunked(port, "zz\r\n{}\r\n0\r\n\r\n"))
          .startsWith("HTTP/1.1 400 ")
          .contains("bad_http")
          .contains("a chunk size of the body is not a hexadecimal number")
          .doesNotContainIgnoringCase("helidon");
      assertThat(chunked(port, "2\r\n{}\r\n10\r\n{\"a\""))
          .startsWith("HTTP/1.1 400 ")
          .contains("truncated_body")
          .contains("the chunked body ended after 2 bytes")
          .doesNotContainIgnoringCase("helidon");
    }
    assertStillServing();
  }

  @Test
  void aClientThatResetsMidBodyIsCountedAsA400() throws IOException {
    int before = matmulRequests(worker.port());
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), worker.port())) {
      // Closing with a zero linger resets the connection: the client is gone, not just done.
      socket.setSoLinger(true, 0);
      socket
          .getOutputStream()
          .write(
              ("POST /v1/matmul HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                      + MatrixFrames.MEDIA_TYPE
                      + "\r\nContent-Length: 1000\r\n\r\nabc")
                  .getBytes(StandardCharsets.US_ASCII));
    }
    Poll.until(
        "the server has served the reset request",
        Duration.ofSeconds(30),
        () -> matmulRequests(worker.port()) > before);
    assertThat(Http.text(new Http(worker.port()).get("/metrics")))
        .contains("route=\"/v1/matmul\",status=\"400\"")
        .doesNotContain("route=\"/v1/matmul\",status=\"500\"");
    assertStillServing();
  }

  /** How many {@code POST /v1/matmul} requests the server counted, whatever their status. */
  private static int matmulRequests(int port) {
    Matcher m = MATMUL_COUNT.matcher(Http.text(new Http(port).get("/metrics")));
    int total = 0;
    while (m.find()) {
      total += Integer.parseInt(m.group(1));
    }
    return total;
  }

  @Test
  void aBodyCutShortThatTheRouteNeverReadsIsNoServerFailure() throws IOException {
    byte[] module = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
    String answer =
        RawHttp.exchange(
            worker.port(),
            "PUT /v1/modules/cut HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
                + "Content-Length: 100",
            module);
    assertThat(answer).startsWith("HTTP/1.1 415 ").contains("unsupported_media_type");
    assertStillServing();
  }

  private static String chunked(int port, String body) throws IOException {
    return RawHttp.exchange(
        port,
        "POST /rpc HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + "Transfer-Encoding: chunked",
        body.getBytes(StandardCharsets.US_ASCII));
  }

  /** Sends half of {@code body} under a Content-Length for all of it, then ends the upload. */
  private static void assertTruncated(
      int port, String method, String path, String type, byte[] body) throws IOException {
    int sent = body.length / 2;
    String answer =
        RawHttp.exchange(
            port,
            method
                + " "
                + path
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                + type
                + "\r\nContent-Length: "
                + body.length,
            Arrays.copyOf(body, sent));
    assertThat(answer)
        .as(method + " " + path)
        .startsWith("HTTP/1.1 400 ")
        .contains("truncated_body")
        .contains(sent + " of its " + body.length + " bytes")
        .doesNotContainIgnoringCase("helidon");
  }

  private static void assertStillServing() {
    for (int port : new int[] {worker.port(), coordinator.port()}) {
      var answer = new Http(port).postJson("/rpc", Nodes.SEED);
      assertThat(answer.statusCode()).isEqualTo(200);
      assertThat(Http.text(answer)).contains(Nodes.SEED_ANSWER);
    }
  }
}
