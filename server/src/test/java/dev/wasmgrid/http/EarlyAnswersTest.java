package dev.wasmgrid.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.wasm.ModuleLimits;
import dev.wasmgrid.worker.WorkerNode;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A body over the limit is answered 413 before it is read, and the connection then closes: the
 * client, still sending, must get that answer, not a reset that overtook it.
 */
class EarlyAnswersTest {

  @Test
  void aBodyJustOverTheLimitIsAnswered413EveryTime() {
    try (WorkerNode worker =
        WorkerNode.start(
            ServerSettings.open("127.0.0.1", 0, new Limits(64 << 10, 64, 16)),
            new ReferenceGemm(1))) {
      Http http = new Http(worker.port());
      String body = "{\"content\":\"" + "a".repeat(80 << 10) + "\"}";
      for (int i = 0; i < 200; i++) {
        HttpResponse<byte[]> answer = http.postJson("/rpc", body);
        assertThat(answer.statusCode()).as("attempt %d", i).isEqualTo(413);
        assertThat(Http.text(answer)).contains("body_too_large");
      }
    }
  }

  @Test
  void aClientThatSendsAWholeModuleOverTheLimitBeforeReadingGetsThe413() throws IOException {
    // A module's limit (16 MiB) is far above a socket's buffers: a server that closed as soon as
    // it had answered would reset the client's write, and the client would never read the 413.
    try (WorkerNode worker =
            WorkerNode.start(
                ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS), new ReferenceGemm(1));
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), worker.port())) {
      socket.setSoTimeout(30_000);
      byte[] body = new byte[(int) ModuleLimits.DEFAULT_MAX_BYTES + 1];
      OutputStream out = socket.getOutputStream();
      out.write(
          ("PUT /v1/modules/huge HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  + "Content-Type: application/wasm\r\nContent-Length: "
                  + body.length
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      String answer = new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
      assertThat(answer).isEqualTo("HTTP/1.1 413");
    }
  }
}
