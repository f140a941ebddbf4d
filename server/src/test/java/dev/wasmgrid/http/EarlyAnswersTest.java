package dev.wasmgrid.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.worker.WorkerNode;
import java.net.http.HttpResponse;
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
}
