package dev.wasmgrid.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.testing.Nodes;
import dev.wasmgrid.worker.WorkerNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A body that is not JSON gets a message saying what is wrong and where, without the parser's class
 * or configuration names.
 */
class JsonErrorMessagesTest {
  private static final List<String> BROKEN =
      List.of("{\"a\":", "{\"a\":1,}", "{a:1}", "[1,2", "nul", "{\"a\":\"x", "\"\\q\"");

  @Test
  void parseErrorsNameThePositionInPlainWords() {
    for (String body : BROKEN) {
      assertThatThrownBy(() -> JsonBodies.parse(body.getBytes(StandardCharsets.UTF_8)))
          .as(body)
          .isInstanceOfSatisfying(
              Failure.class,
              e -> {
                assertThat(e.code()).isEqualTo("malformed_json");
                assertThat(e.getMessage())
                    .startsWith("request body is not valid JSON: ")
                    .containsPattern("line \\d+, column \\d+");
                assertClean(e.getMessage());
              });
    }
    // An object left open names where it was opened as a position too.
    assertThatThrownBy(() -> JsonBodies.parse("{\"a\":[1".getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("line 1, column");
    assertThatThrownBy(() -> JsonBodies.parseText("{", "content", "malformed_content"))
        .satisfies(e -> assertClean(e.getMessage()));
  }

  @Test
  void everyRouteTakingJsonAnswersCleanly() {
    try (WorkerNode worker =
        WorkerNode.start(ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS), gemm())) {
      Http http = new Http(worker.port());
      for (String path :
          List.of("/rpc", "/v1/matmul", "/v1/modules/m/recycling", "/v1/chat/completions")) {
        for (String body : BROKEN) {
          HttpResponse<byte[]> answer =
              path.endsWith("recycling")
                  ? http.send(
                      HttpRequest.newBuilder(URI.create(Nodes.url(worker.port()) + path))
                          .header("Content-Type", "application/json")
                          .PUT(HttpRequest.BodyPublishers.ofString(body)))
                  : http.postJson(path, body);
          assertThat(answer.statusCode()).as(path + " " + body).isEqualTo(400);
          assertClean(Http.text(answer));
        }
      }
    }
  }

  private static void assertClean(String message) {
    assertThat(message)
        .doesNotContain(
            "com.fasterxml",
            "jackson",
            "Jackson",
            "Exception",
            "Source:",
            "StreamReadFeature",
            "REDACTED");
  }

  private static ReferenceGemm gemm() {
    return new ReferenceGemm(1);
  }
}
