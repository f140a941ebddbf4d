package dev.wasmgrid.grid;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wasmgrid.coordinator.CoordinatorNode;
import dev.wasmgrid.grid.discovery.WorkerSources;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.testing.Nodes;
import dev.wasmgrid.testing.Poll;
import dev.wasmgrid.testing.WorkerList;
import dev.wasmgrid.worker.WorkerNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Failure tracking over real HTTP: a failing worker goes down, gets no work, and comes back. */
class WorkerHealthTest {

  @Test
  void aWorkerMarkedDownGetsNoWorkUntilItIsHealthyAgain() {
    int port = Nodes.freePort();
    String flaky = Nodes.url(port);
    try (WorkerNode healthy = Nodes.worker(0);
        CoordinatorNode coordinator =
            Nodes.coordinator(
                WorkerSources.parse(List.of(flaky, Nodes.url(healthy.port()))), Nodes.FAST)) {
      Http http = new Http(coordinator.port());
      for (int i = 0; i < 4; i++) {
        assertThat(http.postJson("/rpc", Nodes.SEED).statusCode()).isEqualTo(200);
      }
      JsonNode down = WorkerList.find(http, flaky).orElseThrow();
      assertThat(down.get("state").asText()).isEqualTo("down");
      assertThat(down.get("consecutive_failures").asInt()).isEqualTo(2);
      // The module reconciler's listing may have been one of the two failures.
      long callsWhenDown = down.get("calls").asLong();
      assertThat(callsWhenDown).isBetween(1L, 2L);
      assertThat(coordinator.workerNames()).containsExactly(Nodes.url(healthy.port()));

      // While down, and while its probes fail, it gets no calls.
      for (int i = 0; i < 4; i++) {
        assertThat(http.postJson("/rpc", Nodes.SEED).statusCode()).isEqualTo(200);
      }
      assertThat(WorkerList.find(http, flaky).orElseThrow().get("calls").asLong())
          .isEqualTo(callsWhenDown);
      assertThat(WorkerList.state(http, flaky)).isEqualTo("down");

      try (WorkerNode revived = Nodes.worker(port)) {
        Poll.until(
            "the probe brings it back",
            Duration.ofSeconds(5),
            () -> WorkerList.state(http, flaky).equals("up"));
        assertThat(WorkerList.find(http, flaky).orElseThrow().get("consecutive_failures").asInt())
            .isZero();
        // Round-robin over two workers: two requests reach each once.
        assertThat(http.postJson("/rpc", Nodes.SEED).statusCode()).isEqualTo(200);
        assertThat(http.postJson("/rpc", Nodes.SEED).statusCode()).isEqualTo(200);
        assertThat(Nodes.rpcServed(revived.port())).isEqualTo(1);
      }
    }
  }
}
