package dev.wasmgrid.modules.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.testing.Nodes;
import dev.wasmgrid.worker.WorkerNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * A worker refuses, with 409 {@code unknown_handle}, a stateful module's call whose handle its
 * state never issued, and stamps each answer with its state epoch (issue 15): before, a handle from
 * a lost state ran on an empty table and answered 200 with that table's digest.
 */
class UnknownHandleRoutesTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aHandleTheStateNeverIssuedIsRefusedAndAFreshPolicyStartsANewEpoch() throws Exception {
    try (WorkerNode worker = Nodes.worker(0)) {
      Http http = new Http(worker.port());
      deploy(http, worker);
      assertThat(setPolicy(http, worker, RecyclingServiceTest.POLICY).statusCode()).isEqualTo(200);

      HttpResponse<byte[]> setup = call(http, "setup", "[1]");
      assertThat(setup.statusCode()).as(Http.text(setup)).isEqualTo(200);
      String epoch = stamp(setup).epoch();
      assertThat(stamp(setup).built()).isTrue();
      long handle = JSON.readTree(setup.body()).get("results").get(0).asLong();
      HttpResponse<byte[]> proof = call(http, "prove", "[" + handle + ",0]");
      assertThat(proof.statusCode()).as(Http.text(proof)).isEqualTo(200);
      long expected = JSON.readTree(proof.body()).get("results").get(0).asLong();
      assertThat(stamp(proof)).isEqualTo(new StateStamp(epoch, false));

      HttpResponse<byte[]> never = call(http, "prove", "[" + (handle + 4096) + ",0]");
      assertUnknownHandle(never, "argument 0 of 'prove' is " + (handle + 4096));
      assertThat(stamp(never).epoch()).isEqualTo(epoch);

      // The policy set again starts the state afresh: the old handle means nothing any more.
      assertThat(setPolicy(http, worker, RecyclingServiceTest.POLICY).statusCode()).isEqualTo(200);
      HttpResponse<byte[]> lost = call(http, "prove", "[" + handle + ",0]");
      assertUnknownHandle(lost, "state epoch");
      assertThat(stamp(lost).epoch()).isNotEqualTo(epoch);

      HttpResponse<byte[]> rebuilt = call(http, "setup", "[1]");
      long again = JSON.readTree(rebuilt.body()).get("results").get(0).asLong();
      HttpResponse<byte[]> proofAgain = call(http, "prove", "[" + again + ",0]");
      assertThat(proofAgain.statusCode()).as(Http.text(proofAgain)).isEqualTo(200);
      assertThat(JSON.readTree(proofAgain.body()).get("results").get(0).asLong())
          .isEqualTo(expected);

      // A stateless module's answers carry no stamp.
      assertThat(http.send(request(worker, "/v1/modules/prover/recycling").DELETE()).statusCode())
          .isEqualTo(204);
      assertThat(call(http, "div", "[42,6]").headers().firstValue(StateStamp.HEADER)).isEmpty();
    }
  }

  @Test
  void aBufferCallChecksItsHandlesToo() throws Exception {
    try (WorkerNode worker = Nodes.worker(0)) {
      Http http = new Http(worker.port());
      deploy(http, worker);
      // reverse(in, len, out) with a handle for `in`: the first bytes of the object it names.
      String policy = "{\"state_exports\":[\"setup\"],\"handle_params\":{\"reverse\":[0]}}";
      assertThat(setPolicy(http, worker, policy).statusCode()).isEqualTo(200);
      long handle = JSON.readTree(call(http, "setup", "[1]").body()).get("results").get(0).asLong();

      HttpResponse<byte[]> never = call(http, "reverse", "[" + (handle + 4096) + ",4,{\"out\":4}]");
      assertUnknownHandle(never, "argument 0 of 'reverse' is " + (handle + 4096));

      HttpResponse<byte[]> read = call(http, "reverse", "[" + handle + ",4,{\"out\":4}]");
      assertThat(read.statusCode()).as(Http.text(read)).isEqualTo(200);
      // The state's first word, n_words = 1 MiB / 8 = 0x00020000, little-endian, reversed.
      assertThat(JSON.readTree(read.body()).get("out").get(0).asText()).isEqualTo("AAIAAA==");
    }
  }

  private static void deploy(Http http, WorkerNode worker) {
    assertThat(
            http.send(
                    request(worker, "/v1/modules/prover")
                        .header("Content-Type", "application/wasm")
                        .PUT(HttpRequest.BodyPublishers.ofByteArray(RecyclingServiceTest.PROVER)))
                .statusCode())
        .isEqualTo(201);
  }

  private static void assertUnknownHandle(HttpResponse<byte[]> response, String mentions)
      throws Exception {
    assertThat(response.statusCode()).as(Http.text(response)).isEqualTo(409);
    JsonNode error = JSON.readTree(response.body()).get("error");
    assertThat(error.get("code").asText()).isEqualTo("unknown_handle");
    assertThat(error.get("message").asText()).contains(mentions);
  }

  private static StateStamp stamp(HttpResponse<byte[]> response) {
    return StateStamp.parse(response.headers().firstValue(StateStamp.HEADER).orElse(""))
        .orElseThrow();
  }

  private static HttpResponse<byte[]> setPolicy(Http http, WorkerNode worker, String policy) {
    return http.send(
        request(worker, "/v1/modules/prover/recycling")
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(policy)));
  }

  private static HttpResponse<byte[]> call(Http http, String export, String args) {
    return http.postJson("/v1/modules/prover/call/" + export, "{\"args\":" + args + "}");
  }

  private static HttpRequest.Builder request(WorkerNode worker, String path) {
    return HttpRequest.newBuilder(URI.create(Nodes.url(worker.port()) + path));
  }
}
