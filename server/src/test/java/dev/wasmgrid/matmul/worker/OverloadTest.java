package dev.wasmgrid.matmul.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.worker.WorkerNode;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Over --max-concurrent, requests get a clear 503 and the server recovers. */
class OverloadTest {

  @Test
  void requestsOverTheConcurrencyLimitGet503WithRetryAfter() throws Exception {
    try (WorkerNode worker =
            WorkerNode.start(
                ServerSettings.open("127.0.0.1", 0, new Limits(1 << 20, 64, 1)),
                new ReferenceGemm(1));
        Socket slow = new Socket(InetAddress.getLoopbackAddress(), worker.port())) {
      Http http = new Http(worker.port());
      // A request whose body has not all arrived stays in service, holding the only slot.
      String seed = WorkerRpcTest.SEED;
      byte[] body = seed.getBytes(StandardCharsets.UTF_8);
      OutputStream out = slow.getOutputStream();
      out.write(
          ("POST /rpc HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  + "Content-Length: "
                  + body.length
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(body, 0, 10);
      out.flush();

      HttpResponse<byte[]> rejected = null;
      for (int attempt = 0; attempt < 2000 && rejected == null; attempt++) {
        HttpResponse<byte[]> probe = http.get("/metrics");
        if (probe.statusCode() == 503) {
          rejected = probe;
        }
      }
      assertThat(rejected).as("a 503 while the slot is held").isNotNull();
      assertThat(Http.text(rejected))
          .contains("\"code\":\"overloaded\"")
          .contains("--max-concurrent");
      assertThat(rejected.headers().firstValue("Retry-After")).hasValue("1");
      // The health probes take no slot: a busy server is alive and ready.
      assertThat(http.get("/health/ready").statusCode()).isEqualTo(200);

      out.write(body, 10, body.length - 10);
      out.flush();
      String answer = new String(slow.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
      assertThat(answer).isEqualTo("HTTP/1.1 200");
      HttpResponse<byte[]> after = null;
      for (int attempt = 0;
          attempt < 2000 && (after == null || after.statusCode() != 200);
          attempt++) {
        after = http.postJson("/rpc", seed);
      }
      assertThat(after.statusCode()).isEqualTo(200);
    }
  }
}
