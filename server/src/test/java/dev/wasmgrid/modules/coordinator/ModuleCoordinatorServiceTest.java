package dev.wasmgrid.modules.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wasmgrid.coordinator.CoordinatorConfig;
import dev.wasmgrid.coordinator.CoordinatorNode;
import dev.wasmgrid.grid.discovery.WorkerSources;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.testing.Nodes;
import dev.wasmgrid.testing.Poll;
import dev.wasmgrid.wasm.WasmModules;
import dev.wasmgrid.worker.WorkerNode;
import java.net.URI;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The coordinator's module routes over real HTTP with two in-JVM workers: a deployment lands on
 * every worker, calls spread over them (as each worker's own metrics show), failures of one worker
 * are survived, a worker's own error answer is relayed, and workers that join get the modules.
 */
class ModuleCoordinatorServiceTest {
  static final byte[] PROVER = WasmModules.bundledBytes("prover");
  static final String OK = "ok";

  static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  static CoordinatorNode coordinator(String... workers) {
    return Nodes.coordinator(WorkerSources.parse(List.of(workers)), Nodes.FAST);
  }

  @Test
  void aDeploymentLandsOnEveryWorkerAndCallsSpreadOverThem() throws Exception {
    try (WorkerNode a = Nodes.worker(0);
        WorkerNode b = Nodes.worker(0);
        CoordinatorNode coordinator = coordinator(Nodes.url(a.port()), Nodes.url(b.port()))) {
      ModuleClient front = new ModuleClient(coordinator.port());
      HttpResponse<byte[]> deployed = front.deploy("prover", PROVER);
      assertThat(deployed.statusCode()).as(Http.text(deployed)).isEqualTo(201);
      assertThat(deployed.headers().firstValue("Location")).hasValue("/v1/modules/prover");
      JsonNode body = ModuleClient.json(deployed);
      assertThat(body.get("sha256").asText()).isEqualTo(sha256(PROVER));
      assertThat(urls(body.get("workers"))).containsExactlyInAnyOrder(urls(a, b));
      body.get("workers").forEach(w -> assertThat(w.get("status").asInt()).isEqualTo(201));

      for (WorkerNode worker : List.of(a, b)) {
        HttpResponse<byte[]> there = new ModuleClient(worker.port()).get("/v1/modules/prover");
        assertThat(there.statusCode()).isEqualTo(200);
        assertThat(ModuleClient.json(there).get("sha256").asText()).isEqualTo(sha256(PROVER));
      }

      for (int i = 0; i < 10; i++) {
        HttpResponse<byte[]> call = front.call("prover", "div", "[" + (7 * i) + ",7]");
        assertThat(call.statusCode()).as(Http.text(call)).isEqualTo(200);
        assertThat(ModuleClient.json(call).get("results").get(0).asInt()).isEqualTo(i);
      }
      // One at a time, so none is in flight when the next is placed: round-robin, 5 each.
      assertThat(new ModuleClient(a.port()).callsAnswered(200)).isEqualTo(5);
      assertThat(new ModuleClient(b.port()).callsAnswered(200)).isEqualTo(5);
      for (WorkerNode worker : List.of(a, b)) {
        assertThat(front.metric(callSeries(worker, OK))).isEqualTo(5.0);
      }

      JsonNode listed = ModuleClient.json(front.get("/v1/modules"));
      assertThat(listed.get("modules")).hasSize(1);
      assertThat(urls(listed.get("modules").get(0).get("workers")))
          .containsExactlyInAnyOrder(urls(a, b));
      // Each holder with its own figures, as the web app's cluster panel shows them.
      for (JsonNode holder : listed.get("modules").get(0).get("workers")) {
        assertThat(holder.get("sha256").asText()).isEqualTo(sha256(PROVER));
        assertThat(holder.has("live_instances")).isTrue();
        assertThat(holder.has("memory_bytes")).isTrue();
        assertThat(holder.has("calls_in_flight")).isTrue();
        assertThat(holder.has("recycling")).isFalse();
      }
      JsonNode described = ModuleClient.json(front.get("/v1/modules/prover"));
      assertThat(described.get("exports").toString()).contains("\"name\":\"prove\"");
      assertThat(urls(described.get("workers"))).containsExactlyInAnyOrder(urls(a, b));

      // Deploying the same name again replaces it everywhere: 200.
      assertThat(front.deploy("prover", PROVER).statusCode()).isEqualTo(200);
      assertThat(front.delete("/v1/modules/prover").statusCode()).isEqualTo(204);
      for (WorkerNode worker : List.of(a, b)) {
        assertThat(new ModuleClient(worker.port()).get("/v1/modules/prover").statusCode())
            .isEqualTo(404);
      }
      HttpResponse<byte[]> again = front.delete("/v1/modules/prover");
      assertThat(again.statusCode()).isEqualTo(404);
      assertThat(ModuleClient.json(again).get("error").get("code").asText())
          .isEqualTo("module_not_found");
      HttpResponse<byte[]> gone = front.call("prover", "div", "[1,1]");
      assertThat(gone.statusCode()).isEqualTo(404);
    }
  }

  @Test
  void aWorkersOwnErrorIsRelayedAndNotRetried() {
    try (WorkerNode a = Nodes.worker(0);
        WorkerNode b = Nodes.worker(0);
        CoordinatorNode coordinator = coordinator(Nodes.url(a.port()), Nodes.url(b.port()))) {
      ModuleClient front = new ModuleClient(coordinator.port());
      assertThat(front.deploy("prover", PROVER).statusCode()).isEqualTo(201);

      HttpResponse<byte[]> trap = front.call("prover", "boom", "[]");
      assertThat(trap.statusCode()).isEqualTo(422);
      assertThat(ModuleClient.json(trap).get("error").get("code").asText()).isEqualTo("trap");
      HttpResponse<byte[]> wrong = front.call("prover", "div", "[1]");
      assertThat(wrong.statusCode()).isEqualTo(400);
      assertThat(ModuleClient.json(wrong).get("error").get("code").asText())
          .isEqualTo("wrong_arguments");
      HttpResponse<byte[]> missing = front.call("prover", "nothing", "[]");
      assertThat(missing.statusCode()).isEqualTo(404);
      assertThat(ModuleClient.json(missing).get("error").get("code").asText())
          .isEqualTo("missing_export");
      // An export's name reaches the worker as it was sent, spaces and all.
      HttpResponse<byte[]> odd = front.call("prover", "no%20such%3Fexport", "[]");
      assertThat(odd.statusCode()).isEqualTo(404);
      assertThat(ModuleClient.json(odd).get("error").get("message").asText())
          .contains("'no such?export'");
      // Each reached exactly one worker: the trap was not run again on the other.
      long traps =
          new ModuleClient(a.port()).callsAnswered(422)
              + new ModuleClient(b.port()).callsAnswered(422);
      assertThat(traps).isEqualTo(1);
      assertThat(
              new ModuleClient(a.port()).callsAnswered(404)
                  + new ModuleClient(b.port()).callsAnswered(404))
          .isEqualTo(2);

      // Both workers are still up and serve calls.
      for (int i = 0; i < 4; i++) {
        assertThat(front.call("prover", "div", "[8,2]").statusCode()).isEqualTo(200);
      }
      assertThat(new ModuleClient(a.port()).callsAnswered(200)).isEqualTo(2);
      assertThat(new ModuleClient(b.port()).callsAnswered(200)).isEqualTo(2);
      double errors = 0;
      for (WorkerNode worker : List.of(a, b)) {
        errors += front.metric(callSeries(worker, "error"));
      }
      assertThat(errors).isEqualTo(4.0);

      HttpResponse<byte[]> unknown = front.call("nosuch", "div", "[1,1]");
      assertThat(unknown.statusCode()).isEqualTo(404);
      assertThat(ModuleClient.json(unknown).get("error").get("code").asText())
          .isEqualTo("module_not_found");
    }
  }

  @Test
  void aCallAvoidsTheWorkerBusiestWithCallsAndATimeoutIsRelayed() throws Exception {
    try (WorkerNode a = Nodes.worker(0);
        WorkerNode b = Nodes.worker(0);
        CoordinatorNode coordinator = coordinator(Nodes.url(a.port()), Nodes.url(b.port()))) {
      ModuleClient front = new ModuleClient(coordinator.port());
      assertThat(front.deploy("prover", "?timeout_ms=1500", PROVER).statusCode()).isEqualTo(201);
      Thread spin =
          Thread.ofVirtual()
              .start(
                  () -> {
                    HttpResponse<byte[]> slow = front.call("prover", "spin", "[1000000000000]");
                    assertThat(slow.statusCode()).isEqualTo(504);
                    assertThat(ModuleClient.json(slow).get("error").get("code").asText())
                        .isEqualTo("timeout");
                  });
      Poll.until(
          "the spinning call is in flight",
          Duration.ofSeconds(5),
          () -> inflight(front, a) + inflight(front, b) == 1);
      WorkerNode busy = inflight(front, a) == 1 ? a : b;
      WorkerNode idle = busy == a ? b : a;
      for (int i = 0; i < 4; i++) {
        assertThat(front.call("prover", "div", "[9,3]").statusCode()).isEqualTo(200);
      }
      spin.join(Duration.ofSeconds(10));
      assertThat(spin.isAlive()).isFalse();
      assertThat(new ModuleClient(idle.port()).callsAnswered(200)).isEqualTo(4);
      assertThat(new ModuleClient(busy.port()).callsAnswered(200)).isZero();
      // The timeout was the busy worker's answer, relayed, not run again on the idle one.
      assertThat(new ModuleClient(busy.port()).callsAnswered(504)).isEqualTo(1);
      assertThat(new ModuleClient(idle.port()).callsAnswered(504)).isZero();
    }
  }

  @Test
  void callsGoOnWhenAWorkerDiesAndItGetsTheModuleBackWhenItReturns() throws Exception {
    int port = Nodes.freePort();
    try (WorkerNode b = Nodes.worker(0);
        CoordinatorNode coordinator = coordinator(Nodes.url(port), Nodes.url(b.port()))) {
      ModuleClient front = new ModuleClient(coordinator.port());
      try (WorkerNode a = Nodes.worker(port)) {
        assertThat(front.deploy("prover", "?timeout_ms=2500", PROVER).statusCode()).isEqualTo(201);
        // The coordinator's probes may have marked a down before it listened; then the deployment
        // reached b only and a gets the module when a probe brings it back.
        ModuleClient first = new ModuleClient(a.port());
        Poll.until(
            "a gets the module",
            Duration.ofSeconds(10),
            () -> first.get("/v1/modules/prover").statusCode() == 200);
      }
      // a is gone: every call still succeeds, on b.
      for (int i = 0; i < 6; i++) {
        HttpResponse<byte[]> call = front.call("prover", "div", "[4,2]");
        assertThat(call.statusCode()).as(Http.text(call)).isEqualTo(200);
      }
      assertThat(new ModuleClient(b.port()).callsAnswered(200)).isEqualTo(6);

      // A fresh worker (memory only, so without modules) on a's address gets it back.
      try (WorkerNode revived = Nodes.worker(port)) {
        ModuleClient direct = new ModuleClient(revived.port());
        Poll.until(
            "the returning worker gets the module",
            Duration.ofSeconds(10),
            () -> direct.get("/v1/modules/prover").statusCode() == 200);
        JsonNode there = ModuleClient.json(direct.get("/v1/modules/prover"));
        assertThat(there.get("sha256").asText()).isEqualTo(sha256(PROVER));
        // With the deployment's query: its call timeout.
        assertThat(there.get("limits").get("call_timeout_ms").asLong()).isEqualTo(2500);
      }
    }
  }

  @Test
  void aWorkerThatJoinsGetsTheModulesAndTakesCalls() throws Exception {
    try (WorkerNode a = Nodes.worker(0);
        CoordinatorNode coordinator = coordinator(Nodes.url(a.port()), "join")) {
      ModuleClient front = new ModuleClient(coordinator.port());
      assertThat(front.deploy("prover", PROVER).statusCode()).isEqualTo(201);
      assertThat(new ModuleClient(a.port()).get("/v1/modules/prover").statusCode()).isEqualTo(200);
      try (WorkerNode b = Nodes.worker(0)) {
        b.join(
            URI.create(Nodes.url(coordinator.port())),
            URI.create(Nodes.url(b.port())),
            Duration.ofMillis(100));
        ModuleClient direct = new ModuleClient(b.port());
        Poll.until(
            "the joined worker gets the module",
            Duration.ofSeconds(10),
            () -> direct.get("/v1/modules/prover").statusCode() == 200);
        assertThat(ModuleClient.json(direct.get("/v1/modules/prover")).get("sha256").asText())
            .isEqualTo(sha256(PROVER));
        // The coordinator's view names it too: from then on it takes its share of the calls.
        Poll.until(
            "the coordinator lists the joined worker as a holder",
            Duration.ofSeconds(10),
            () ->
                urls(ModuleClient.json(front.get("/v1/modules/prover")).get("workers"))
                    .contains(Nodes.url(b.port())));
        for (int i = 0; i < 4; i++) {
          assertThat(front.call("prover", "div", "[6,3]").statusCode()).isEqualTo(200);
        }
        assertThat(direct.callsAnswered(200)).isEqualTo(2);
      }
    }
  }

  @Test
  void aDeploymentAWorkerMissesIs502AndItGetsTheModuleOnceUp() throws Exception {
    int port = Nodes.freePort();
    try (WorkerNode b = Nodes.worker(0);
        CoordinatorNode coordinator = coordinator(Nodes.url(port), Nodes.url(b.port()))) {
      ModuleClient front = new ModuleClient(coordinator.port());
      HttpResponse<byte[]> partial = front.deploy("prover", PROVER);
      assertThat(partial.statusCode()).as(Http.text(partial)).isEqualTo(502);
      JsonNode body = ModuleClient.json(partial);
      assertThat(body.get("error").get("code").asText()).isEqualTo("deploy_incomplete");
      assertThat(body.get("error").get("message").asText()).contains(Nodes.url(port));
      for (JsonNode worker : body.get("workers")) {
        boolean dead = worker.get("url").asText().equals(Nodes.url(port));
        assertThat(worker.get("status").isNull()).isEqualTo(dead);
        if (dead) {
          assertThat(worker.get("error").get("code").asText()).isEqualTo("worker_unreachable");
        }
      }
      // Where it landed, it serves.
      assertThat(front.call("prover", "div", "[6,3]").statusCode()).isEqualTo(200);
      try (WorkerNode late = Nodes.worker(port)) {
        ModuleClient direct = new ModuleClient(late.port());
        Poll.until(
            "the late worker gets the module",
            Duration.ofSeconds(10),
            () -> direct.get("/v1/modules/prover").statusCode() == 200);
      }
    }
  }

  @Test
  void aRefusalEveryWorkerGivesIsRelayedAndSubResourcesAreBroadcast() {
    try (WorkerNode a = Nodes.worker(0);
        WorkerNode b = Nodes.worker(0);
        CoordinatorNode coordinator = coordinator(Nodes.url(a.port()), Nodes.url(b.port()))) {
      ModuleClient front = new ModuleClient(coordinator.port());
      HttpResponse<byte[]> invalid = front.deploy("bad", new byte[] {0, 'a', 's', 'x'});
      assertThat(invalid.statusCode()).isEqualTo(400);
      JsonNode body = ModuleClient.json(invalid);
      assertThat(body.get("error").get("code").asText()).isEqualTo("invalid_module");
      assertThat(body.get("workers")).hasSize(2);
      HttpResponse<byte[]> timeout = front.deploy("prover", "?timeout_ms=0", PROVER);
      assertThat(timeout.statusCode()).isEqualTo(400);
      assertThat(ModuleClient.json(timeout).get("error").get("code").asText())
          .isEqualTo("invalid_timeout");
      HttpResponse<byte[]> name = front.deploy("Bad!", PROVER);
      assertThat(name.statusCode()).isEqualTo(400);
      assertThat(ModuleClient.json(name).get("error").get("code").asText())
          .isEqualTo("invalid_name");
      assertThat(ModuleClient.json(front.get("/v1/modules")).get("modules")).isEmpty();

      // A sub-resource the workers do not have: each one's 404 comes back, from both.
      assertThat(front.deploy("prover", PROVER).statusCode()).isEqualTo(201);
      HttpResponse<byte[]> sub = front.put("/v1/modules/prover/no-such-setting", "{}");
      assertThat(sub.statusCode()).isEqualTo(404);
      assertThat(ModuleClient.json(sub).get("workers")).hasSize(2);
    }
  }

  @Test
  void aStatefulModulesCallsAllGoToOneWorkerAndItsPolicyReachesLateWorkers() throws Exception {
    String policy =
        "{\"state_exports\":[\"setup\"],"
            + "\"handle_params\":{\"prove\":[0],\"state_digest\":[0]},"
            + "\"digest_export\":\"state_digest\"}";
    try (WorkerNode a = Nodes.worker(0);
        WorkerNode b = Nodes.worker(0);
        CoordinatorNode coordinator =
            coordinator(Nodes.url(a.port()), Nodes.url(b.port()), "join")) {
      ModuleClient front = new ModuleClient(coordinator.port());
      assertThat(front.deploy("prover", PROVER).statusCode()).isEqualTo(201);
      HttpResponse<byte[]> set = front.put("/v1/modules/prover/recycling", policy);
      assertThat(set.statusCode()).as(Http.text(set)).isEqualTo(200);
      assertThat(ModuleClient.json(set).get("workers")).hasSize(2);

      // setup's handle lives on one worker: every later call must reach that one.
      HttpResponse<byte[]> setup = front.call("prover", "setup", "[1]");
      assertThat(setup.statusCode()).as(Http.text(setup)).isEqualTo(200);
      long handle = ModuleClient.json(setup).get("results").get(0).asLong();
      long first = 0;
      for (int i = 0; i < 6; i++) {
        HttpResponse<byte[]> proof = front.call("prover", "prove", "[" + handle + ",0]");
        assertThat(proof.statusCode()).as(Http.text(proof)).isEqualTo(200);
        long result = ModuleClient.json(proof).get("results").get(0).asLong();
        if (i == 0) {
          first = result;
        }
        assertThat(result).isEqualTo(first);
      }
      long onA = new ModuleClient(a.port()).callsAnswered(200);
      long onB = new ModuleClient(b.port()).callsAnswered(200);
      assertThat(Math.min(onA, onB)).isZero();
      assertThat(Math.max(onA, onB)).isEqualTo(7);
      HttpResponse<byte[]> stats = front.get("/v1/modules/prover/recycling");
      assertThat(stats.statusCode()).as(Http.text(stats)).isEqualTo(200);
      // From the worker the calls went to, whose log holds the one setup.
      assertThat(ModuleClient.json(stats).get("stats").get("log_entries").asInt()).isEqualTo(1);
      JsonNode holders = ModuleClient.json(front.get("/v1/modules")).get("modules").get(0);
      assertThat(holders.get("workers")).hasSize(2);
      holders.get("workers").forEach(w -> assertThat(w.has("recycling")).isTrue());

      // A worker that joins gets the module and then its policy.
      try (WorkerNode late = Nodes.worker(0)) {
        late.join(
            URI.create(Nodes.url(coordinator.port())),
            URI.create(Nodes.url(late.port())),
            Duration.ofMillis(100));
        ModuleClient direct = new ModuleClient(late.port());
        Poll.until(
            "the joined worker gets the module's policy",
            Duration.ofSeconds(10),
            () -> direct.get("/v1/modules/prover/recycling").statusCode() == 200);
        assertThat(Http.text(direct.get("/v1/modules/prover/recycling")))
            .contains("\"digest_export\":\"state_digest\"");
      }
    }
  }

  @Test
  void everyModuleRouteNeedsTheTokenAndTheCoordinatorSendsIt() {
    Optional<String> token = Optional.of("s3cret");
    ServerSettings settings = new ServerSettings("127.0.0.1", 0, Limits.DEFAULTS, token);
    try (WorkerNode worker = WorkerNode.start(settings, new ReferenceGemm(1));
        CoordinatorNode coordinator =
            CoordinatorNode.start(
                CoordinatorConfig.builder(settings, null)
                    .workers(WorkerSources.parse(List.of(Nodes.url(worker.port()))))
                    .workerTimeout(Duration.ofSeconds(10))
                    .discovery(Nodes.FAST)
                    .build())) {
      ModuleClient anonymous = new ModuleClient(coordinator.port());
      assertThat(anonymous.deploy("prover", PROVER).statusCode()).isEqualTo(401);
      assertThat(anonymous.get("/v1/modules").statusCode()).isEqualTo(401);
      assertThat(anonymous.get("/v1/modules/prover").statusCode()).isEqualTo(401);
      assertThat(anonymous.call("prover", "div", "[4,2]").statusCode()).isEqualTo(401);
      assertThat(anonymous.put("/v1/modules/prover/recycling", "{}").statusCode()).isEqualTo(401);
      assertThat(anonymous.delete("/v1/modules/prover").statusCode()).isEqualTo(401);
      assertThat(new ModuleClient(worker.port()).get("/v1/modules/prover").statusCode())
          .isEqualTo(401);

      ModuleClient admin = new ModuleClient(coordinator.port(), token);
      HttpResponse<byte[]> deployed = admin.deploy("prover", PROVER);
      assertThat(deployed.statusCode()).as(Http.text(deployed)).isEqualTo(201);
      HttpResponse<byte[]> call = admin.call("prover", "div", "[4,2]");
      assertThat(call.statusCode()).as(Http.text(call)).isEqualTo(200);
      assertThat(new ModuleClient(worker.port(), token).get("/v1/modules/prover").statusCode())
          .isEqualTo(200);
    }
  }

  @Test
  void theEmbeddedWorkerServesModulesEndToEnd() {
    try (CoordinatorNode coordinator =
        Nodes.coordinator(WorkerSources.parse(List.of()), Nodes.FAST)) {
      ModuleClient front = new ModuleClient(coordinator.port());
      assertThat(front.deploy("prover", PROVER).statusCode()).isEqualTo(201);
      HttpResponse<byte[]> call = front.call("prover", "div", "[42,6]");
      assertThat(call.statusCode()).as(Http.text(call)).isEqualTo(200);
      assertThat(ModuleClient.json(call).get("results").get(0).asInt()).isEqualTo(7);
      assertThat(front.call("prover", "boom", "[]").statusCode()).isEqualTo(422);
      assertThat(ModuleClient.json(front.get("/v1/modules")).get("modules")).hasSize(1);
      assertThat(front.delete("/v1/modules/prover").statusCode()).isEqualTo(204);
      assertThat(front.get("/v1/modules/prover").statusCode()).isEqualTo(404);
    }
  }

  static String callSeries(WorkerNode worker, String outcome) {
    return callSeries(Nodes.url(worker.port()), outcome);
  }

  static String callSeries(String worker, String outcome) {
    return "wasmgrid_module_calls_total{outcome=\"" + outcome + "\",worker=\"" + worker + "\"}";
  }

  static int inflight(ModuleClient coordinator, WorkerNode worker) {
    return (int)
        coordinator.metric(
            "wasmgrid_module_calls_inflight{worker=\"" + Nodes.url(worker.port()) + "\"}");
  }

  static Set<String> urls(JsonNode workers) {
    Set<String> urls = new TreeSet<>();
    workers.forEach(w -> urls.add(w.get("url").asText()));
    return urls;
  }

  static String[] urls(WorkerNode... workers) {
    return java.util.Arrays.stream(workers).map(w -> Nodes.url(w.port())).toArray(String[]::new);
  }
}
