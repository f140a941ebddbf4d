package dev.wasmgrid.modules.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.testing.Poll;
import dev.wasmgrid.testing.TestModules;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Limits per module, set at deployment within the worker's maxima ({@link ModuleMaxima}), and the
 * wait queue at the instance cap: before, only {@code timeout_ms} could be set (up to 10 s), memory
 * was 256 MiB and instances 4 for every module, and a call finding them all busy got 503 at once
 * (202 of 320 calls from 8 clients).
 */
class ModuleLimitsRoutesTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final byte[] PROVER = WasmModules.bundledBytes("prover");
  static final ModuleMaxima MAXIMA = new ModuleMaxima(64, Duration.ofSeconds(20), 4, 8);

  @TempDir Path dir;

  @Test
  void aDeploymentSetsItsLimitsWithinTheWorkersMaxima() throws Exception {
    try (WorkerNode worker = start(Optional.of(dir))) {
      Http http = new Http(worker.port());
      assertRefused(worker, "max_memory_mb=65", "invalid_limit", "max_memory_mb", "from 1 to 64");
      assertRefused(worker, "max_memory_mb=0", "invalid_limit", "max_memory_mb", "from 1 to 64");
      assertRefused(worker, "max_memory_mb=lots", "invalid_limit", "max_memory_mb", "lots");
      assertRefused(worker, "max_instances=5", "invalid_limit", "max_instances", "from 1 to 4");
      assertRefused(worker, "queue=9", "invalid_limit", "queue", "--module-max-queue");
      assertRefused(worker, "timeout_ms=20001", "invalid_timeout", "timeout_ms", "to 20000");
      assertThat(http.get("/v1/modules/p").statusCode()).isEqualTo(404);

      // What a deployment does not ask for is the default, within the maxima: 64 MiB here.
      assertThat(put(worker, "/v1/modules/d", PROVER).statusCode()).isEqualTo(201);
      assertThat(limits(http, "d").toString())
          .isEqualTo(
              "{\"max_bytes\":16777216,\"max_pages\":1024,\"call_timeout_ms\":10000,"
                  + "\"max_instances\":4,\"queue\":8}");

      HttpResponse<byte[]> set =
          put(
              worker,
              "/v1/modules/p?max_memory_mb=32&timeout_ms=15000&max_instances=2&queue=3",
              PROVER);
      assertThat(set.statusCode()).as(Http.text(set)).isEqualTo(201);
      String expected =
          "{\"max_bytes\":16777216,\"max_pages\":512,\"call_timeout_ms\":15000,"
              + "\"max_instances\":2,\"queue\":3}";
      assertThat(limits(http, "p").toString()).isEqualTo(expected);
      // A memory limit the guest meets: 40 MiB of state in a 32 MiB memory cannot be made.
      HttpResponse<byte[]> big = http.postJson("/v1/modules/p/call/setup", "{\"args\":[40]}");
      assertThat(Http.text(big)).isEqualTo("{\"results\":[0]}");
    }
    try (WorkerNode worker = start(Optional.of(dir))) {
      assertThat(limits(new Http(worker.port()), "p").toString())
          .isEqualTo(
              "{\"max_bytes\":16777216,\"max_pages\":512,\"call_timeout_ms\":15000,"
                  + "\"max_instances\":2,\"queue\":3}");
    }
  }

  @Test
  void eightClientsOnTwoInstancesWaitInTheQueueInsteadOfGetting503() throws Exception {
    try (WorkerNode worker = start(Optional.empty())) {
      Http http = new Http(worker.port());
      assertThat(put(worker, "/v1/modules/p?max_instances=2&queue=8", PROVER).statusCode())
          .isEqualTo(201);
      ExecutorService clients = Executors.newFixedThreadPool(8);
      try {
        List<Future<List<Integer>>> statuses = new ArrayList<>();
        for (int c = 0; c < 8; c++) {
          statuses.add(
              clients.submit(
                  () -> {
                    List<Integer> got = new ArrayList<>();
                    for (int i = 0; i < 40; i++) {
                      got.add(
                          http.postJson("/v1/modules/p/call/spin", "{\"args\":[200000]}")
                              .statusCode());
                    }
                    return got;
                  }));
        }
        List<Integer> all = new ArrayList<>();
        for (Future<List<Integer>> s : statuses) {
          all.addAll(s.get(120, TimeUnit.SECONDS));
        }
        assertThat(all).hasSize(320).containsOnly(200);
      } finally {
        clients.shutdownNow();
      }
    }
  }

  @Test
  void aFullQueueAnswers503WithRetryAfter() throws Exception {
    try (WorkerNode worker = start(Optional.empty())) {
      Http http = new Http(worker.port());
      assertThat(
              put(worker, "/v1/modules/p?max_instances=1&queue=1&timeout_ms=3000", PROVER)
                  .statusCode())
          .isEqualTo(201);
      String forever = "{\"args\":[1000000000000]}";
      CompletableFuture<HttpResponse<byte[]>> running =
          CompletableFuture.supplyAsync(() -> http.postJson("/v1/modules/p/call/spin", forever));
      awaitSummary(http, s -> s.get("calls_in_flight").asInt() == 1);
      CompletableFuture<HttpResponse<byte[]>> queued =
          CompletableFuture.supplyAsync(() -> http.postJson("/v1/modules/p/call/spin", forever));
      awaitSummary(http, s -> s.get("calls_waiting").asInt() == 1);

      HttpResponse<byte[]> refused = http.postJson("/v1/modules/p/call/div", "{\"args\":[4,2]}");
      assertThat(refused.statusCode()).as(Http.text(refused)).isEqualTo(503);
      assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
      JsonNode error = JSON.readTree(refused.body()).get("error");
      assertThat(error.get("code").asText()).isEqualTo("too_many_instances");
      assertThat(error.get("message").asText()).contains("queue is full");

      assertThat(running.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(504);
      // The waiting call had the instance once the first timed out, or waited a call timeout.
      assertThat(queued.get(60, TimeUnit.SECONDS).statusCode()).isIn(503, 504);
      assertThat(Http.text(http.postJson("/v1/modules/p/call/div", "{\"args\":[4,2]}")))
          .isEqualTo("{\"results\":[2]}");
    }
  }

  @Test
  void aStateAboveTheWatermarkRaisesAMetricNotASwapStorm() throws Exception {
    try (WorkerNode worker = start(Optional.empty())) {
      Http http = new Http(worker.port());
      HttpResponse<byte[]> deployed =
          put(worker, "/v1/modules/hash?max_memory_mb=4", TestModules.bytes("stream_hash"));
      assertThat(deployed.statusCode()).as(Http.text(deployed)).isEqualTo(201);
      HttpResponse<byte[]> policy =
          http.send(
              request(worker, "/v1/modules/hash/recycling")
                  .header("Content-Type", "application/json")
                  .PUT(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"state_exports\":[\"xxh_ballast\"],\"watermark\":0.5,"
                              + "\"snapshots\":false}")));
      assertThat(policy.statusCode()).as(Http.text(policy)).isEqualTo(200);
      // 2.5 MiB of state in a 4 MiB memory whose watermark is at 2 MiB.
      HttpResponse<byte[]> ballast =
          http.postJson("/v1/modules/hash/call/xxh_ballast", "{\"args\":[2560]}");
      assertThat(ballast.statusCode()).as(Http.text(ballast)).isEqualTo(200);
      // Joins the swap the ballast started, or (when that one is over) makes another.
      assertThat(http.postJson("/v1/modules/hash/recycle", "").statusCode()).isEqualTo(200);
      int swaps = stats(http).get("swaps").asInt();
      assertThat(swaps).isBetween(1, 2);
      for (int i = 0; i < 20; i++) {
        assertThat(http.postJson("/v1/modules/hash/call/free", "{\"args\":[0]}").statusCode())
            .isEqualTo(200);
        JsonNode stats = stats(http);
        assertThat(stats.get("preparing").asBoolean()).as("call %d", i).isFalse();
        assertThat(stats.get("swaps").asInt()).as("call %d", i).isEqualTo(swaps);
      }
      JsonNode stats = stats(http);
      assertThat(stats.get("state_above_watermark").asBoolean()).isTrue();
      assertThat(stats.get("state_bytes").asLong()).isGreaterThan(2L << 20);
      assertThat(Http.text(http.get("/metrics")))
          .contains("wasmgrid_wasm_proxy_state_above_watermark_total{module=\"hash\"} 1.0");
    }
  }

  private static JsonNode stats(Http http) throws Exception {
    return JSON.readTree(http.get("/v1/modules/hash/recycling").body()).get("stats");
  }

  /** Waits (bounded) until the module's summary shows what {@code ready} wants. */
  private static void awaitSummary(Http http, Predicate<JsonNode> ready) {
    Poll.until(
        "the module's calls got there",
        Duration.ofSeconds(30),
        () -> {
          try {
            return ready.test(JSON.readTree(http.get("/v1/modules/p").body()));
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }

  private static void assertRefused(
      WorkerNode worker, String query, String code, String field, String mentions)
      throws Exception {
    HttpResponse<byte[]> refused = put(worker, "/v1/modules/p?" + query, PROVER);
    assertThat(refused.statusCode()).as(Http.text(refused)).isEqualTo(400);
    JsonNode error = JSON.readTree(refused.body()).get("error");
    assertThat(error.get("code").asText()).isEqualTo(code);
    assertThat(error.get("field").asText()).isEqualTo(field);
    assertThat(error.get("message").asText()).contains(mentions);
  }

  private static JsonNode limits(Http http, String name) throws Exception {
    return JSON.readTree(http.get("/v1/modules/" + name).body()).get("limits");
  }

  private WorkerNode start(Optional<Path> modules) {
    return WorkerConfig.builder(
            ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS), new ReferenceGemm(1))
        .modulesDir(modules)
        .moduleLimits(new StoreLimits(64, Duration.ofSeconds(10), MAXIMA))
        .start();
  }

  private static HttpResponse<byte[]> put(WorkerNode worker, String path, byte[] bytes) {
    return new Http(worker.port())
        .send(
            request(worker, path)
                .header("Content-Type", "application/wasm")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)));
  }

  private static HttpRequest.Builder request(WorkerNode worker, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + worker.port() + path));
  }
}
