package dev.wasmgrid.grid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.Reply;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.http.ServerTiming;
import dev.wasmgrid.matmul.Dtype;
import dev.wasmgrid.matmul.Matrix;
import dev.wasmgrid.matmul.RandomMatrices;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.matmul.wire.MatrixFrames;
import dev.wasmgrid.testing.Nodes;
import dev.wasmgrid.worker.WorkerNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The bulk path of {@link HttpWorkerClient}: real workers, and raw sockets for odd answers. */
class BulkExchangeTest {
  private static final Optional<String> NO_TOKEN = Optional.empty();
  private static final String UNAUTHORIZED_HEAD =
      """
      HTTP/1.1 401 Unauthorized\r
      Content-Type: application/json\r
      Content-Length: 12\r
      Connection: close\r
      \r
      """;

  @Test
  void aStreamedProductComesBackExactWithItsKernelTime() throws IOException {
    try (WorkerNode worker =
        WorkerNode.start(
            ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS), new ReferenceGemm(1))) {
      Matrix a = RandomMatrices.of(Dtype.F64, 300, 200, 1);
      Matrix b = RandomMatrices.of(Dtype.F64, 200, 100, 2);
      Reply reply = post(worker.port(), NO_TOKEN, MatrixFrames.encode(a, b));
      assertThat(reply.status()).isEqualTo(200);
      assertThat(reply.contentType()).startsWith(MatrixFrames.MEDIA_TYPE);
      assertThat(reply.headers()).containsKey(ServerTiming.HEADER);
      Matrix c = MatrixFrames.decode(reply.body(), Integer.MAX_VALUE, "C").getFirst();
      assertThat(((Matrix.F64) c).data())
          .isEqualTo(((Matrix.F64) Matrix.multiply(new ReferenceGemm(1), a, b)).data());
    }
  }

  @Test
  void answersOverOneWriteChunkArriveWholeWithTheirLength() throws Exception {
    try (WorkerNode worker =
        WorkerNode.start(
            ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS), new ReferenceGemm(1))) {
      // C is 600 x 700 f64, 3.36 MB: the server writes it in 1 MiB pieces.
      Matrix a = RandomMatrices.of(Dtype.F64, 600, 40, 4);
      Matrix b = RandomMatrices.of(Dtype.F64, 40, 700, 5);
      byte[] body = MatrixFrames.encode(a, b);
      Reply reply = post(worker.port(), NO_TOKEN, body);
      assertThat(reply.body()).hasSizeGreaterThan(3 << 20);
      Matrix c = MatrixFrames.decode(reply.body(), Integer.MAX_VALUE, "C").getFirst();
      assertThat(((Matrix.F64) c).data())
          .isEqualTo(((Matrix.F64) Matrix.multiply(new ReferenceGemm(1), a, b)).data());
      HttpResponse<byte[]> plain =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .build()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + worker.port() + "/v1/matmul"))
                      .header("Content-Type", MatrixFrames.MEDIA_TYPE)
                      .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                      .build(),
                  HttpResponse.BodyHandlers.ofByteArray());
      assertThat(plain.headers().firstValueAsLong("content-length")).hasValue(reply.body().length);
      assertThat(plain.body()).isEqualTo(reply.body());
    }
  }

  @Test
  void theTokenIsSentAndErrorsComeBackWhole() throws IOException {
    ServerSettings settings =
        new ServerSettings("127.0.0.1", 0, Limits.DEFAULTS, Optional.of("s3cret"));
    try (WorkerNode worker = WorkerNode.start(settings, new ReferenceGemm(1))) {
      byte[] body = MatrixFrames.encode(RandomMatrices.of(Dtype.F32, 4, 4, 3));
      assertThat(post(worker.port(), NO_TOKEN, body).status()).isEqualTo(401);
      // Authorised, but only one operand: the worker's own error, body and all.
      Reply missing = post(worker.port(), Optional.of("s3cret"), body);
      assertThat(missing.status()).isEqualTo(400);
      assertThat(missing.contentType()).startsWith(Reply.JSON);
      assertThat(missing.text()).contains("\"error\"");
    }
  }

  @Test
  void chunkedAndUndeclaredAnswersAreRead() throws Exception {
    String chunked =
        String.join(
            "\r\n",
            "HTTP/1.1 503 Service Unavailable",
            "Transfer-Encoding: chunked",
            "Retry-After: 7",
            "Content-Type: text/plain",
            "",
            "5;ext=1",
            "hello",
            "6",
            " world",
            "0",
            "X: y",
            "",
            "");
    Reply reply = answeredBy(chunked);
    assertThat(reply.status()).isEqualTo(503);
    assertThat(reply.text()).isEqualTo("hello world");
    assertThat(reply.headers()).containsEntry("Retry-After", "7");
    assertThat(answeredBy("HTTP/1.0 200 OK\r\n\r\nuntil the end").text())
        .isEqualTo("until the end");
  }

  @Test
  void brokenAnswersAndSilentPeersFailAsIoErrors() throws Exception {
    assertThatThrownBy(() -> answeredBy("SMTP ready\r\n\r\n"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("not an HTTP/1.x answer");
    assertThatThrownBy(() -> answeredBy("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("5 of 10 bytes");
    assertThatThrownBy(() -> answeredBy("HTTP/1.1 200 OK\r\nContent-Length: -3\r\n\r\n"))
        .isInstanceOf(IOException.class);
    assertThatThrownBy(() -> answeredBy(null)).isInstanceOf(IOException.class);
    int closed = Nodes.freePort();
    assertThatThrownBy(() -> post(closed, NO_TOKEN, new byte[1]))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("127.0.0.1:" + closed);
  }

  @Test
  void anAnswerSentBeforeTheBodyWasReadIsTheCallsAnswer() throws Exception {
    // As a worker refusing the token does: it answers 401 after the head and closes, so the
    // upload of a large tile fails midway; the 401, not a broken link, is what the call got.
    try (ServerSocket server = new ServerSocket(0)) {
      CompletableFuture<Void> peer =
          CompletableFuture.runAsync(
              () -> {
                try (Socket socket = server.accept()) {
                  readHead(socket.getInputStream());
                  socket
                      .getOutputStream()
                      .write(
                          (UNAUTHORIZED_HEAD + "{\"error\":{}}")
                              .getBytes(StandardCharsets.ISO_8859_1));
                } catch (IOException e) {
                  throw new IllegalStateException(e);
                }
              });
      Reply reply =
          BulkExchange.post(
              URI.create("http://127.0.0.1:" + server.getLocalPort()),
              "/v1/matmul",
              MatrixFrames.MEDIA_TYPE,
              WorkerClient.Body.of(new byte[64 << 20]),
              NO_TOKEN,
              Duration.ofSeconds(30),
              null);
      peer.join();
      assertThat(reply.status()).isEqualTo(401);
      assertThat(reply.text()).isEqualTo("{\"error\":{}}");
    }
  }

  @Test
  void aPeerThatStopsReadingTheBodyFailsTheCallAfterTheTimeout() throws Exception {
    // Accepted, then never read: the body fills the socket buffers and the write blocks, which a
    // read timeout does not cover (a frozen worker held products for minutes this way).
    try (ServerSocket server = new ServerSocket(0)) {
      CompletableFuture<Socket> peer =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return server.accept();
                } catch (IOException e) {
                  throw new IllegalStateException(e);
                }
              });
      byte[] body = new byte[64 << 20];
      assertTimeoutPreemptively(
          Duration.ofSeconds(60),
          () ->
              assertThatThrownBy(
                      () ->
                          BulkExchange.post(
                              URI.create("http://127.0.0.1:" + server.getLocalPort()),
                              "/v1/matmul",
                              MatrixFrames.MEDIA_TYPE,
                              WorkerClient.Body.of(body),
                              NO_TOKEN,
                              Duration.ofMillis(500),
                              null))
                  .isInstanceOf(IOException.class)
                  .hasMessageContaining("the upload stalled"));
      peer.join().close();
    }
  }

  /**
   * A peer that reads the request's head and body, then writes {@code answer} and closes; with a
   * null answer it says nothing and the client's timeout must end the call.
   */
  private static Reply answeredBy(String answer) throws Exception {
    try (ServerSocket server = new ServerSocket(0)) {
      CompletableFuture<Void> peer =
          CompletableFuture.runAsync(
              () -> {
                try (Socket socket = server.accept()) {
                  InputStream in = socket.getInputStream();
                  String head = new String(readHead(in), StandardCharsets.ISO_8859_1);
                  assertThat(head).startsWith("POST /v1/matmul HTTP/1.1\r\n");
                  assertThat(head).contains("Content-Length: 3\r\n", "Connection: close\r\n");
                  assertThat(in.readNBytes(3)).containsExactly(1, 2, 3);
                  if (answer == null) {
                    in.read(); // until the client gives up and closes
                    return;
                  }
                  OutputStream out = socket.getOutputStream();
                  out.write(answer.getBytes(StandardCharsets.ISO_8859_1));
                } catch (IOException e) {
                  throw new IllegalStateException(e);
                }
              });
      try {
        return BulkExchange.post(
            URI.create("http://127.0.0.1:" + server.getLocalPort()),
            "/v1/matmul",
            MatrixFrames.MEDIA_TYPE,
            WorkerClient.Body.of(new byte[] {1, 2, 3}),
            NO_TOKEN,
            Duration.ofMillis(answer == null ? 300 : 10_000),
            null);
      } finally {
        peer.join();
      }
    }
  }

  private static byte[] readHead(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("request head ended early");
      }
      head.append((char) b);
    }
    return head.toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  private static Reply post(int port, Optional<String> token, byte[] body) throws IOException {
    return new HttpWorkerClient(
            URI.create("http://127.0.0.1:" + port),
            HttpWorkerClient.newWebClient(Duration.ofSeconds(5)),
            Duration.ofSeconds(30),
            token)
        .call("/v1/matmul", MatrixFrames.MEDIA_TYPE, WorkerClient.Body.of(body));
  }
}
