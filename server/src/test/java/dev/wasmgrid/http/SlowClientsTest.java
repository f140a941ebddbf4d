package dev.wasmgrid.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.testing.Nodes;
import dev.wasmgrid.testing.Poll;
import dev.wasmgrid.testing.RawHttp;
import dev.wasmgrid.worker.WorkerNode;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Clients that stall mid-request (headers sent, one byte of the body, then nothing) cannot lock
 * everyone out: health probes are answered whatever the load, a stalled body or unfinished headers
 * are answered 408 and dropped, an early rejection (401, 413, 404) closes its connection at once
 * instead of waiting for a body it will never use, and idle connections are closed.
 */
class SlowClientsTest {
  private static final int SLOTS = 2;
  private static final String TOKEN = "slow-clients-token";
  private static final Duration LONG = Duration.ofMinutes(5);
  private static final Duration SHORT = Duration.ofSeconds(1);

  @Test
  void healthIsAnsweredWhileStalledBodiesHoldEverySlot() throws IOException {
    try (WorkerNode worker = worker(new ReadTimeouts(LONG, LONG, LONG), Optional.empty())) {
      Http http = new Http(worker.port());
      List<Socket> stalled = stall(worker.port(), SLOTS + 1);
      try {
        Poll.until(
            "the stalled bodies hold every slot",
            Duration.ofSeconds(30),
            () -> http.postJson("/rpc", Nodes.SEED).statusCode() == 503);
        assertThat(Http.text(http.postJson("/rpc", Nodes.SEED))).contains("\"overloaded\"");
        assertThat(http.get("/health/ready").statusCode()).isEqualTo(200);
        assertThat(http.get("/health/live").statusCode()).isEqualTo(200);
      } finally {
        closeAll(stalled);
      }
    }
  }

  @Test
  void stalledBodiesAreAnswered408AndFreeTheirSlots() throws IOException {
    try (WorkerNode worker = worker(new ReadTimeouts(LONG, SHORT, LONG), Optional.empty())) {
      List<Socket> stalled = stall(worker.port(), SLOTS);
      try {
        for (Socket socket : stalled) {
          assertThat(RawHttp.readToEnd(socket))
              .startsWith("HTTP/1.1 408")
              .contains("\"body_timeout\"", "--body-timeout")
              .containsIgnoringCase("connection: close");
        }
        // Still open on the client's side: the server has let go of them all the same.
        Http http = new Http(worker.port());
        Poll.until(
            "a normal request is served",
            Duration.ofSeconds(30),
            () -> http.postJson("/rpc", Nodes.SEED).statusCode() == 200);
      } finally {
        closeAll(stalled);
      }
    }
  }

  @Test
  void unfinishedHeadersAreAnswered408AndDropped() throws IOException {
    try (WorkerNode worker = worker(new ReadTimeouts(SHORT, LONG, LONG), Optional.empty());
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), worker.port())) {
      socket.setSoTimeout(20_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          "POST /rpc HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: app"
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      assertThat(RawHttp.readToEnd(socket))
          .startsWith("HTTP/1.1 408")
          .contains("\"header_timeout\"", "--header-timeout");
    }
  }

  @Test
  void idleConnectionsAreClosed() throws IOException {
    try (WorkerNode worker = worker(new ReadTimeouts(LONG, LONG, SHORT), Optional.empty());
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), worker.port())) {
      socket.setSoTimeout(20_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          "GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      // The answer, then the end of the stream once the connection has been idle long enough.
      assertThat(RawHttp.readToEnd(socket)).startsWith("HTTP/1.1 200").contains("\"UP\"");
    }
  }

  @Test
  void unauthorizedStalledBodiesGet401AndHoldNoSlot() throws IOException {
    try (WorkerNode worker = worker(new ReadTimeouts(LONG, LONG, LONG), Optional.of(TOKEN))) {
      List<Socket> stalled = stall(worker.port(), SLOTS + 2);
      try {
        for (Socket socket : stalled) {
          assertThat(RawHttp.readHead(socket))
              .startsWith("HTTP/1.1 401")
              .containsIgnoringCase("connection: close");
        }
        // Their clients still hold the connections open; the server holds no slot for them.
        HttpResponse<byte[]> served =
            new Http(worker.port())
                .send(
                    HttpRequest.newBuilder(URI.create(Nodes.url(worker.port()) + "/rpc"))
                        .header("Authorization", "Bearer " + TOKEN)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(Nodes.SEED)));
        assertThat(Http.text(served)).contains(Nodes.SEED_ANSWER);
        for (Socket socket : stalled) {
          assertThat(RawHttp.readToEnd(socket)).contains("\"unauthorized\"");
        }
      } finally {
        closeAll(stalled);
      }
    }
  }

  @Test
  void earlyRejectionsCloseTheConnectionInsteadOfReadingTheBody() throws IOException {
    try (WorkerNode worker = worker(new ReadTimeouts(LONG, LONG, LONG), Optional.empty())) {
      List<Socket> stalled = new ArrayList<>();
      try {
        // Over --max-body (1 MiB here): 413 before a byte of the body is needed.
        for (int i = 0; i < SLOTS; i++) {
          stalled.add(RawHttp.stalledPost(worker.port(), "/rpc", 2L << 20));
          assertThat(RawHttp.readHead(stalled.getLast())).startsWith("HTTP/1.1 413");
        }
        // No such route: the body is never read.
        for (int i = 0; i < SLOTS; i++) {
          stalled.add(RawHttp.stalledPost(worker.port(), "/no-such-route", 100));
          assertThat(RawHttp.readHead(stalled.getLast())).startsWith("HTTP/1.1 404");
        }
        assertThat(Http.text(new Http(worker.port()).postJson("/rpc", Nodes.SEED)))
            .contains(Nodes.SEED_ANSWER);
        for (Socket socket : stalled) {
          assertThat(RawHttp.readToEnd(socket)).containsAnyOf("body_too_large", "not_found");
        }
      } finally {
        closeAll(stalled);
      }
    }
  }

  private static WorkerNode worker(ReadTimeouts timeouts, Optional<String> token) {
    return WorkerNode.start(
        new ServerSettings(
            "127.0.0.1", 0, new Limits(1 << 20, 64, SLOTS).withTimeouts(timeouts), token),
        new ReferenceGemm(1));
  }

  /** {@code count} POSTs to {@code /rpc} that send their headers and one byte of the body. */
  private static List<Socket> stall(int port, int count) throws IOException {
    List<Socket> sockets = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      sockets.add(RawHttp.stalledPost(port, "/rpc", 100));
    }
    return sockets;
  }

  private static void closeAll(List<Socket> sockets) throws IOException {
    for (Socket socket : sockets) {
      socket.close();
    }
  }
}
