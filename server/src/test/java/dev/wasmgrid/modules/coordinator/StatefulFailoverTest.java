package dev.wasmgrid.modules.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wasmgrid.coordinator.CoordinatorNode;
import dev.wasmgrid.modules.worker.StateStamp;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.testing.Nodes;
import dev.wasmgrid.worker.WorkerNode;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * Issue 15: a stateful module's state was built through the coordinator on one worker, that worker
 * went away, and the coordinator failed its calls over to the next holder, whose state was empty:
 * every later {@code prove} answered 200 with the empty table's digest. Now the coordinator says
 * {@code state_lost} until the client builds the state again, and then answers rightly.
 */
class StatefulFailoverTest {

  /** No {@code handle_params}: the worker cannot tell a stale handle, the coordinator must. */
  static final String POLICY = "{\"state_exports\":[\"setup\"]}";

  @Test
  void afterTheStatesWorkerIsGoneCallsAreStateLostUntilTheStateIsBuiltAgain() throws Exception {
    WorkerNode a = Nodes.worker(0);
    WorkerNode b = Nodes.worker(0);
    try (a;
        b;
        CoordinatorNode coordinator =
            ModuleCoordinatorServiceTest.coordinator(Nodes.url(a.port()), Nodes.url(b.port()))) {
      ModuleClient front = new ModuleClient(coordinator.port());
      assertThat(front.deploy("prover", ModuleCoordinatorServiceTest.PROVER).statusCode())
          .isEqualTo(201);
      HttpResponse<byte[]> set = front.put("/v1/modules/prover/recycling", POLICY);
      assertThat(set.statusCode()).as(Http.text(set)).isEqualTo(200);

      long handle = result(front.call("prover", "setup", "[1]"));
      long expected = result(front.call("prover", "prove", "[" + handle + ",0]"));
      WorkerNode holder = new ModuleClient(a.port()).callsAnswered(200) > 0 ? a : b;
      WorkerNode survivor = holder == a ? b : a;
      String holderUrl = Nodes.url(holder.port());
      String survivorUrl = Nodes.url(survivor.port());

      holder.close();

      for (int i = 0; i < 3; i++) {
        HttpResponse<byte[]> proof = front.call("prover", "prove", "[" + handle + ",0]");
        // Before the fix: 200 with the digest of the survivor's empty table.
        assertThat(proof.statusCode()).as(Http.text(proof)).isEqualTo(409);
        JsonNode error = ModuleClient.json(proof).get("error");
        assertThat(error.get("code").asText()).isEqualTo("state_lost");
        assertThat(error.get("message").asText())
            .contains(holderUrl)
            .contains(survivorUrl)
            .contains("Build the state again");
      }
      // Not only handle-taking calls: the coordinator cannot tell which calls read the state.
      HttpResponse<byte[]> div = front.call("prover", "div", "[42,6]");
      assertThat(div.statusCode()).as(Http.text(div)).isEqualTo(409);
      assertThat(front.metric(ModuleCoordinatorServiceTest.callSeries(survivorUrl, "state_lost")))
          .isEqualTo(4.0);

      // The client builds its state again: on the survivor, where calls now stay.
      HttpResponse<byte[]> setup = front.call("prover", "setup", "[1]");
      long rebuilt = result(setup);
      // The worker's state stamp is relayed: the client can see its state's epoch, too.
      assertThat(setup.headers().firstValue(StateStamp.HEADER))
          .hasValueSatisfying(v -> assertThat(v).endsWith(";built"));
      for (int i = 0; i < 3; i++) {
        assertThat(result(front.call("prover", "prove", "[" + rebuilt + ",0]")))
            .isEqualTo(expected);
      }
      assertThat(result(front.call("prover", "div", "[42,6]"))).isEqualTo(7);
    }
  }

  private static long result(HttpResponse<byte[]> call) {
    assertThat(call.statusCode()).as(Http.text(call)).isEqualTo(200);
    return ModuleClient.json(call).get("results").get(0).asLong();
  }
}
