package dev.wasmgrid.modules.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.testing.Poll;
import dev.wasmgrid.wasm.ModuleLimits;
import dev.wasmgrid.wasm.WasmInstance;
import dev.wasmgrid.wasm.WasmModules;
import dev.wasmgrid.worker.WorkerConfig;
import dev.wasmgrid.worker.WorkerNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A stateful module on a real worker: its recycling policy, swaps, metrics, errors, restart. */
class RecyclingServiceTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final byte[] PROVER = WasmModules.bundledBytes("prover");

  /** The prover's policy: setup builds state, prove and state_digest take its handle. */
  static final String POLICY =
      """
      {"state_exports":["setup","setup_unstable"],
       "handle_params":{"prove":[0],"state_digest":[0]},
       "digest_export":"state_digest","watermark":0.6}""";

  @TempDir Path dir;

  private WorkerNode start() {
    return WorkerConfig.builder(
            ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS), new ReferenceGemm(1))
        .modulesDir(Optional.of(dir))
        .start();
  }

  @Test
  void leakingCallsOverHttpSwapInstancesAndNoneFails() throws Exception {
    long expected;
    try (WasmInstance direct =
        WasmModules.bundled("prover", ModuleLimits.defaults()).instantiate()) {
      expected = direct.call("prove", direct.call("setup", 16)[0], 0)[0];
    }
    try (WorkerNode worker = start();
        ExecutorService callers = Executors.newFixedThreadPool(4)) {
      Http http = new Http(worker.port());
      assertThat(deploy(worker).statusCode()).isEqualTo(201);
      HttpResponse<byte[]> set = send(worker, "PUT", "/v1/modules/prover/recycling", POLICY);
      assertThat(set.statusCode()).as(Http.text(set)).isEqualTo(200);
      assertThat(JSON.readTree(set.body()).get("policy").get("on_trap").asText())
          .isEqualTo("reload");
      long handle = call(http, "setup", 16);

      // 4 MiB leaked per call: with 16 MiB of state, the 0.6 watermark of 256 MiB is passed
      // every ~35 calls, so 400 calls need about ten swaps.
      List<Future<List<Long>>> results = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        results.add(
            callers.submit(
                () -> {
                  List<Long> proofs = new ArrayList<>();
                  for (int i = 0; i < 100; i++) {
                    proofs.add(call(http, "prove", handle, 4096));
                  }
                  return proofs;
                }));
      }
      List<Long> proofs = new ArrayList<>();
      for (Future<List<Long>> r : results) {
        proofs.addAll(r.get(120, TimeUnit.SECONDS));
      }
      assertThat(proofs).hasSize(400).containsOnly(expected);

      // A swap the last calls started may finish after their answers (the standby is prepared in
      // the background): the three views are compared once a read of all three sees it done —
      // the same instance (generation, whose memory each view reports with it) and swap count.
      JsonNode[] views = new JsonNode[3];
      Poll.until(
          "the module's views agree on its instance and swaps",
          Duration.ofSeconds(30),
          () -> {
            views[0] = json(http.get("/v1/modules/prover/recycling")).get("stats");
            views[1] = json(http.get("/v1/modules")).get("modules").get(0);
            views[2] = json(http.get("/v1/modules/prover")).get("recycling").get("stats");
            JsonNode listed = views[1].get("recycling");
            return listed.get("swaps").asLong() == views[0].get("swaps").asLong()
                && views[2].get("swaps").asLong() == views[0].get("swaps").asLong()
                && listed.get("generation").asInt() == views[0].get("generation").asInt()
                && views[2].get("generation").asInt() == views[0].get("generation").asInt();
          });
      JsonNode stats = views[0];
      JsonNode listed = views[1];
      assertThat(stats.get("swaps").asLong()).isGreaterThanOrEqualTo(5);
      assertThat(stats.get("failed_prepares").asLong()).isZero();
      assertThat(stats.get("log_entries").asInt()).isEqualTo(1);
      assertThat(listed.get("memory_bytes").asLong()).isEqualTo(stats.get("memory_bytes").asLong());
      assertThat(listed.get("calls_in_flight").asInt()).isZero();
      assertThat(views[2].get("generation").asInt()).isEqualTo(stats.get("generation").asInt());

      String metrics = Http.text(http.get("/metrics"));
      assertThat(
              counter(
                  metrics,
                  "wasmgrid_wasm_proxy_swaps_total\\{method=\"(replay|snapshot)\",module=\"prover\"\\}"))
          .isGreaterThanOrEqualTo(5);
      assertThat(metrics)
          .contains(
              "wasmgrid_wasm_swap_duration_seconds_bucket{method=\"replay\",module=\"prover\"")
          .contains("wasmgrid_wasm_memory_bytes{module=\"prover\"}")
          .contains("wasmgrid_wasm_calls_in_flight{module=\"prover\"} 0")
          .contains("wasmgrid_wasm_proxy_failed_prepares_total{module=\"prover\"} 0");
      // Every series is the project's (wasmgrid_) or the JVM's and the process's own.
      List<String> names =
          metrics
              .lines()
              .filter(line -> !line.startsWith("#") && !line.isBlank())
              .map(line -> line.split("[{ ]", 2)[0])
              .toList();
      assertThat(names)
          .allMatch(name -> name.matches("(wasmgrid|jvm|process|system)_.+"), "prefixed")
          .contains("jvm_memory_used_bytes", "process_cpu_usage", "process_uptime_seconds")
          .anyMatch(name -> name.startsWith("jvm_gc_"));

      HttpResponse<byte[]> recycled = send(worker, "POST", "/v1/modules/prover/recycle", "");
      assertThat(recycled.statusCode()).as(Http.text(recycled)).isEqualTo(200);
      JsonNode swap = JSON.readTree(recycled.body());
      assertThat(swap.get("method").asText()).isEqualTo("snapshot");
      assertThat(swap.get("memory_after_bytes").asLong()).isLessThan(32L << 20);
      assertThat(call(http, "prove", handle, 0)).isEqualTo(expected);
    }
  }

  @Test
  void thePolicySurvivesARestartAndCanBeRemoved() throws Exception {
    try (WorkerNode worker = start()) {
      deploy(worker);
      assertThat(send(worker, "PUT", "/v1/modules/prover/recycling", POLICY).statusCode())
          .isEqualTo(200);
    }
    try (WorkerNode worker = start()) {
      Http http = new Http(worker.port());
      HttpResponse<byte[]> got = http.get("/v1/modules/prover/recycling");
      assertThat(got.statusCode()).as(Http.text(got)).isEqualTo(200);
      assertThat(JSON.readTree(got.body()).get("policy").get("digest_export").asText())
          .isEqualTo("state_digest");
      // A redeployment keeps the policy; the state starts afresh.
      assertThat(deploy(worker).statusCode()).isEqualTo(200);
      assertThat(http.get("/v1/modules/prover/recycling").statusCode()).isEqualTo(200);

      assertThat(send(worker, "DELETE", "/v1/modules/prover/recycling", "").statusCode())
          .isEqualTo(204);
      assertError(http.get("/v1/modules/prover/recycling"), 409, "not_recycled", "stateless");
      assertError(
          send(worker, "POST", "/v1/modules/prover/recycle", ""), 409, "not_recycled", "stateless");
      assertThat(JSON.readTree(http.get("/v1/modules/prover").body()).has("recycling")).isFalse();
    }
  }

  @Test
  void badPoliciesAreRefusedNamingTheField() throws Exception {
    try (WorkerNode worker = start()) {
      deploy(worker);
      String path = "/v1/modules/prover/recycling";
      assertError(
          send(worker, "PUT", path, "{\"state_exports\":[\"setup\"],\"watermak\":0.5}"),
          400,
          "invalid_policy",
          "watermak");
      assertError(send(worker, "PUT", path, "{}"), 400, "invalid_policy", "state_exports");
      assertError(
          send(worker, "PUT", path, "{\"state_exports\":[\"nope\"]}"),
          400,
          "invalid_policy",
          "'nope'");
      assertError(
          send(worker, "PUT", path, "{\"state_exports\":[\"setup\"],\"watermark\":1.5}"),
          400,
          "invalid_policy",
          "watermark");
      assertError(
          send(worker, "PUT", path, "{\"state_exports\":[\"setup\"],\"on_trap\":\"retry\"}"),
          400,
          "invalid_policy",
          "on_trap");
      assertError(send(worker, "PUT", path, "not json"), 400, "malformed_json", "JSON");
      assertError(
          send(worker, "PUT", "/v1/modules/absent/recycling", POLICY),
          404,
          "module_not_found",
          "absent");
    }
  }

  @Test
  void aNonDeterministicModuleIsReportedAndKeepsServing() throws Exception {
    try (WorkerNode worker = start()) {
      Http http = new Http(worker.port());
      deploy(worker);
      send(worker, "PUT", "/v1/modules/prover/recycling", POLICY);
      long plain = call(http, "setup", 1);
      call(http, "prove", plain, 64);
      long salted = call(http, "setup_unstable", 1);
      long digest = call(http, "state_digest", salted);
      assertError(
          send(worker, "POST", "/v1/modules/prover/recycle", ""),
          422,
          "replay_mismatch",
          "setup_unstable");
      assertThat(call(http, "state_digest", salted)).isEqualTo(digest);
      assertThat(Http.text(http.get("/metrics")))
          .contains("wasmgrid_wasm_proxy_replay_mismatches_total{module=\"prover\"} 1.0");
    }
  }

  @Test
  void failClosedAnswers503AfterATrap() throws Exception {
    try (WorkerNode worker = start()) {
      Http http = new Http(worker.port());
      deploy(worker);
      send(
          worker,
          "PUT",
          "/v1/modules/prover/recycling",
          "{\"state_exports\":[\"setup\"],\"on_trap\":\"fail-closed\"}");
      assertError(http.postJson("/v1/modules/prover/call/boom", "{\"args\":[]}"), 422, "trap", "");
      assertError(
          http.postJson("/v1/modules/prover/call/div", "{\"args\":[4,2]}"),
          503,
          "module_failed",
          "fail-closed");
      // Deploying again is the way back.
      deploy(worker);
      assertThat(call(http, "div", 4, 2)).isEqualTo(2);
    }
  }

  private static double counter(String metrics, String series) {
    Matcher m = Pattern.compile("(?m)^" + series + " ([0-9.eE+]+)$").matcher(metrics);
    double sum = 0;
    while (m.find()) {
      sum += Double.parseDouble(m.group(m.groupCount()));
    }
    return sum;
  }

  private static long call(Http http, String export, long... args) throws Exception {
    StringBuilder body = new StringBuilder("{\"args\":[");
    for (int i = 0; i < args.length; i++) {
      body.append(i == 0 ? "" : ",").append(args[i]);
    }
    HttpResponse<byte[]> r =
        http.postJson("/v1/modules/prover/call/" + export, body.append("]}").toString());
    assertThat(r.statusCode()).as(Http.text(r)).isEqualTo(200);
    return JSON.readTree(r.body()).get("results").get(0).asLong();
  }

  private static void assertError(
      HttpResponse<byte[]> response, int status, String code, String mentions) throws Exception {
    assertThat(response.statusCode()).as(Http.text(response)).isEqualTo(status);
    JsonNode error = JSON.readTree(response.body()).get("error");
    assertThat(error.get("code").asText()).isEqualTo(code);
    assertThat(error.toString()).contains(mentions);
  }

  private static HttpResponse<byte[]> deploy(WorkerNode worker) {
    return new Http(worker.port())
        .send(
            HttpRequest.newBuilder(uri(worker, "/v1/modules/prover"))
                .header("Content-Type", "application/wasm")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(PROVER)));
  }

  private static HttpResponse<byte[]> send(
      WorkerNode worker, String method, String path, String json) {
    return new Http(worker.port())
        .send(
            HttpRequest.newBuilder(uri(worker, path))
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(json)));
  }

  private static URI uri(WorkerNode worker, String path) {
    return URI.create("http://127.0.0.1:" + worker.port() + path);
  }

  private static JsonNode json(HttpResponse<byte[]> response) {
    try {
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
