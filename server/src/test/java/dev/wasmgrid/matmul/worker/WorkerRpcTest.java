package dev.wasmgrid.matmul.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.testing.Nodes;
import dev.wasmgrid.worker.WorkerNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The seed's JSON-RPC envelope on a real worker over real HTTP: answers and every bad input. */
class WorkerRpcTest {
  static final String SEED = Nodes.SEED;
  static final ObjectMapper JSON = new ObjectMapper();
  static final int MAX_BODY = 64 << 10;
  static final int MAX_DIM = 64;

  static WorkerNode worker;
  static Http http;

  @BeforeAll
  static void start() {
    worker =
        WorkerNode.start(
            ServerSettings.open("127.0.0.1", 0, new Limits(MAX_BODY, MAX_DIM, 64)),
            new ReferenceGemm(1));
    http = new Http(worker.port());
  }

  @AfterAll
  static void stop() {
    worker.close();
  }

  /** Whatever a test sent, the worker must still answer the seed request correctly. */
  @AfterEach
  void stillServing() throws Exception {
    assertSeedAnswer(http.postJson("/rpc", SEED));
  }

  static void assertSeedAnswer(HttpResponse<byte[]> response) throws Exception {
    assertThat(response.statusCode()).as(Http.text(response)).isEqualTo(200);
    JsonNode envelope = JSON.readTree(response.body());
    assertThat(envelope.get("meta").get(0).get("name").asText()).isEqualTo("status");
    assertThat(envelope.get("meta").get(0).get("value").asText()).isEqualTo("ok");
    assertThat(envelope.get("content").isTextual()).isTrue();
    JsonNode content = JSON.readTree(envelope.get("content").asText());
    assertThat(content.get("C").asText()).isEqualTo("[[19,22],[43,50]]");
  }

  @Test
  void seedRequestGetsTheProductInTheSameEnvelopeShape() throws Exception {
    assertSeedAnswer(http.postJson("/rpc", SEED));
  }

  @Test
  void objectContentWithArraysGetsAnObjectAnswer() throws Exception {
    HttpResponse<byte[]> response =
        http.postJson(
            "/rpc",
            "{\"meta\":[{\"name\":\"method\",\"value\":\"multiply\"}],"
                + "\"content\":{\"A\":[[1.5,-2],[0,4],[2,2]],\"B\":[[2,0,1],[1,1,0.25]]}}");
    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode c = JSON.readTree(response.body()).get("content").get("C");
    assertThat(c.toString()).isEqualTo("[[1,-2,1],[4,4,1],[6,2,2.5]]");
  }

  @Test
  void f32IsAcceptedOnRequest() throws Exception {
    HttpResponse<byte[]> response =
        http.postJson(
            "/rpc",
            "{\"meta\":[{\"name\":\"method\",\"value\":\"multiply\"}],"
                + "\"content\":{\"dtype\":\"f32\",\"A\":[[0.5]],\"B\":[[0.25]]}}");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(response.body()).get("content").get("C").toString())
        .isEqualTo("[[0.125]]");
  }

  static String call(String content) {
    return "{\"meta\":[{\"name\":\"method\",\"value\":\"multiply\"}],\"content\":" + content + "}";
  }

  static Stream<Arguments> badRequests() {
    return Stream.of(
        Arguments.of("{\"meta\":[", 400, "malformed_json", null),
        Arguments.of("[1,2]", 400, "malformed_json", null),
        Arguments.of("{\"content\":{}}", 400, "missing_method", "meta"),
        Arguments.of(
            "{\"meta\":[{\"name\":\"method\",\"value\":\"divide\"}],\"content\":{}}",
            404,
            "unknown_method",
            "meta"),
        Arguments.of(
            "{\"meta\":[{\"name\":\"method\",\"value\":\"multiply\"}]}",
            400,
            "missing_field",
            "content"),
        Arguments.of(call("\"{A: nope\""), 400, "content_not_json", "content"),
        Arguments.of(call("[1]"), 400, "content_not_object", "content"),
        Arguments.of(call("{\"B\":[[1]]}"), 400, "missing_field", "A"),
        Arguments.of(call("{\"A\":\"[[1,2]\",\"B\":[[1]]}"), 400, "malformed_matrix", "A"),
        Arguments.of(call("{\"A\":[1,2],\"B\":[[1]]}"), 400, "not_a_matrix", "A"),
        Arguments.of(call("{\"A\":[[1,2],[3]],\"B\":[[1],[2]]}"), 400, "ragged_rows", "A[1]"),
        Arguments.of(call("{\"A\":[[1,2]],\"B\":[[1,2]]}"), 400, "shape_mismatch", "B"),
        Arguments.of(call("{\"A\":[[1,\"x\"]],\"B\":[[1],[2]]}"), 400, "not_a_number", "A[0][1]"),
        Arguments.of(call("{\"A\":[[1,null]],\"B\":[[1],[2]]}"), 400, "not_a_number", "A[0][1]"),
        Arguments.of(call("{\"A\":[[1,2]],\"B\":[[NaN],[2]]}"), 400, "non_finite", "B[0][0]"),
        Arguments.of(call("{\"A\":[[1,2]],\"B\":[[1],[Infinity]]}"), 400, "non_finite", "B[1][0]"),
        Arguments.of(call("{\"A\":[[1e400]],\"B\":[[1]]}"), 400, "non_finite", "A[0][0]"),
        Arguments.of(
            call("{\"dtype\":\"f32\",\"A\":[[1e39]],\"B\":[[1]]}"), 400, "non_finite", "A[0][0]"),
        Arguments.of(
            call("{\"dtype\":\"f16\",\"A\":[[1]],\"B\":[[1]]}"), 400, "invalid_dtype", "dtype"),
        Arguments.of(call("{\"A\":[[1e300]],\"B\":[[1e300]]}"), 422, "non_finite_result", null),
        Arguments.of(
            call("{\"A\":[" + "[1],".repeat(MAX_DIM) + "[1]],\"B\":[[1]]}"),
            413,
            "dimension_too_large",
            "A"));
  }

  @ParameterizedTest(name = "{2}: {0}")
  @MethodSource("badRequests")
  void badInputGetsAClearErrorInTheEnvelope(String body, int status, String code, String field)
      throws Exception {
    HttpResponse<byte[]> response = http.postJson("/rpc", body);
    assertThat(response.statusCode()).as(Http.text(response)).isEqualTo(status);
    JsonNode envelope = JSON.readTree(response.body());
    assertThat(envelope.get("meta").toString())
        .contains("{\"name\":\"status\",\"value\":\"error\"}")
        .contains("{\"name\":\"code\",\"value\":\"" + code + "\"}");
    JsonNode content = envelope.get("content");
    JsonNode error =
        content.isTextual() ? JSON.readTree(content.asText()).get("error") : content.get("error");
    assertThat(error.get("code").asText()).isEqualTo(code);
    assertThat(error.get("message").asText()).isNotBlank().doesNotContain("Exception");
    if (field != null) {
      assertThat(error.get("field").asText()).isEqualTo(field);
      assertThat(error.get("message").asText()).contains(field.replaceAll("\\[.*", ""));
    }
  }

  @Test
  void bodyOverTheLimitIs413() throws Exception {
    String big = call("{\"A\":[[" + "1,".repeat(MAX_BODY / 2) + "1]],\"B\":[[1]]}");
    HttpResponse<byte[]> response = http.postJson("/rpc", big);
    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(Http.text(response)).contains("body_too_large").contains(Integer.toString(MAX_BODY));
  }

  @Test
  void chunkedBodyOverTheLimitIs413() {
    byte[] big = new byte[MAX_BODY + 1];
    java.util.Arrays.fill(big, (byte) ' ');
    HttpResponse<byte[]> response =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + worker.port() + "/rpc"))
                .POST(
                    HttpRequest.BodyPublishers.ofInputStream(
                        () -> new java.io.ByteArrayInputStream(big))));
    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(Http.text(response)).contains("body_too_large");
  }

  @Test
  void wrongHttpMethodIs405WithAllow() {
    HttpResponse<byte[]> response = http.get("/rpc");
    assertThat(response.statusCode()).isEqualTo(405);
    assertThat(response.headers().firstValue("Allow")).hasValue("POST");
    assertThat(Http.text(response)).contains("method_not_allowed");
  }

  @Test
  void unknownRouteIs404() {
    HttpResponse<byte[]> response = http.postJson("/v2/nothing", "{}");
    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(Http.text(response)).contains("not_found").contains("/v2/nothing");
  }
}
