package dev.wasmgrid.sim.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.sim.EntityBudget;
import dev.wasmgrid.sim.HostedPartition;
import dev.wasmgrid.sim.SimConfig;
import dev.wasmgrid.sim.StripLayout;
import dev.wasmgrid.worker.WorkerNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The worker's partition routes on their own: a tick through HTTP, and every refusal by code. */
class PartitionServiceTest {
  private static final SimConfig CONFIG = SimConfig.of(200, 5);
  private static final String TOKEN = "sim-secret";

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void oneTickOverHttpEqualsOneTickInProcess() throws Exception {
    try (WorkerNode worker = worker()) {
      int[] bounds = StripLayout.even(CONFIG, 1).bounds();
      byte[] spec =
          new PartitionMessage(
                  0,
                  new PartitionAssignment(CONFIG, 0, StripLayout.of(CONFIG, bounds)).toValues(),
                  List.of())
              .encode();
      HttpResponse<byte[]> created = send(worker, "POST", PartitionService.LIST, spec);
      assertThat(created.statusCode()).isEqualTo(201);
      String id = idOf(created);
      assertThat(created.headers().firstValue("Location"))
          .hasValue(PartitionService.LIST + "/" + id);
      String base = PartitionService.LIST + "/" + id;

      HostedPartition local = HostedPartition.initial(CONFIG, 0, bounds);
      long[] boundValues = Arrays.stream(bounds).asLongStream().toArray();
      PartitionMessage migrated =
          bundle(
              send(
                  worker,
                  "POST",
                  base + "/phase/migrate",
                  new PartitionMessage(0, boundValues, List.of()).encode()));
      assertThat(migrated.frames()).hasSize(1).containsOnlyNulls();
      local.migrate(bounds);
      PartitionMessage ghosts =
          bundle(
              send(
                  worker,
                  "POST",
                  base + "/phase/ghosts",
                  PartitionMessage.ofFrames(0, List.of()).encode()));
      assertThat(ghosts.frames()).hasSize(1);
      local.ghosts(List.of());
      PartitionMessage stepped =
          bundle(
              send(
                  worker,
                  "POST",
                  base + "/phase/step",
                  PartitionMessage.ofFrames(0, List.of()).encode()));
      assertThat(stepped.tick()).isEqualTo(1);
      local.step(List.of());

      HttpResponse<byte[]> state = send(worker, "GET", base + "/state", null);
      assertThat(state.statusCode()).isEqualTo(200);
      assertThat(state.body()).isEqualTo(local.checkpoint());
      PartitionMessage costs = bundle(send(worker, "GET", base + "/costs", null));
      assertThat(costs.values()).isEqualTo(local.columnCosts());
      assertThat(text(send(worker, "GET", PartitionService.LIST, null)))
          .contains("\"id\":\"" + id + "\"")
          .contains("\"tick\":1");

      assertThat(send(worker, "DELETE", base, null).statusCode()).isEqualTo(204);
      assertError(send(worker, "GET", base + "/state", null), 404, "partition_not_found");
    }
  }

  @Test
  void refusalsAreNamed() throws Exception {
    try (WorkerNode worker = worker()) {
      int[] bounds = StripLayout.even(CONFIG, 2).bounds();
      String base =
          PartitionService.LIST
              + "/"
              + idOf(
                  send(
                      worker,
                      "POST",
                      PartitionService.LIST,
                      new PartitionMessage(
                              0,
                              new PartitionAssignment(CONFIG, 1, StripLayout.of(CONFIG, bounds))
                                  .toValues(),
                              List.of())
                          .encode()));
      assertError(
          send(
              worker,
              "POST",
              base + "/phase/migrate",
              "{\"json\":1}".getBytes(StandardCharsets.UTF_8)),
          400,
          "invalid_bundle");
      byte[] truncated =
          Arrays.copyOf(PartitionMessage.ofFrames(0, List.of(new byte[40])).encode(), 30);
      assertError(send(worker, "POST", base + "/phase/ghosts", truncated), 400, "invalid_bundle");
      assertError(
          send(
              worker,
              "POST",
              base + "/phase/step",
              PartitionMessage.ofFrames(3, List.of()).encode()),
          409,
          "wrong_tick");
      assertError(
          send(
              worker,
              "POST",
              base + "/phase/step",
              PartitionMessage.ofFrames(0, List.of()).encode()),
          409,
          "wrong_phase");
      assertError(
          send(worker, "POST", base + "/phase/jump", PartitionMessage.of(0).encode()),
          404,
          "unknown_phase");
      assertError(
          send(worker, "POST", base + "/phase/migrate", PartitionMessage.of(0, 0, 1).encode()),
          400,
          "invalid_frame");
      byte[] migrated =
          send(
                  worker,
                  "POST",
                  base + "/phase/migrate",
                  PartitionMessage.of(0, Arrays.stream(bounds).asLongStream().toArray()).encode())
              .body();
      assertThat(bundle(migrated).frames()).hasSize(2);
      assertError(
          send(
              worker,
              "POST",
              base + "/phase/ghosts",
              PartitionMessage.ofFrames(0, List.of(new byte[30])).encode()),
          400,
          "invalid_frame");
      assertError(
          send(
              worker,
              "POST",
              PartitionService.LIST,
              PartitionMessage.of(0, 0, -5, 1, 300, 300, 10, 0, 0, 10).encode()),
          400,
          "invalid_config");
      assertError(
          send(
              worker,
              "POST",
              PartitionService.LIST + "/p999/phase/step",
              PartitionMessage.of(0).encode()),
          404,
          "partition_not_found");

      HttpResponse<byte[]> anonymous =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + worker.port() + PartitionService.LIST))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertThat(anonymous.statusCode()).isEqualTo(401);
    }
  }

  @Test
  void aWorldTheHeapCannotHoldIsRefusedBeforeAnyAllocation() throws Exception {
    SimConfig huge = SimConfig.of(SimConfig.MAX_ENTITIES, 1);
    int limit = EntityBudget.ofThisJvm();
    // A heap of 14 GiB or more holds the documented cap; the test's heap is a quarter of RAM.
    assumeTrue(limit < huge.entities(), "this JVM's heap holds " + limit + " entities");
    try (WorkerNode worker = worker()) {
      byte[] create =
          new PartitionMessage(
                  0,
                  new PartitionAssignment(huge, 0, StripLayout.even(huge, 1)).toValues(),
                  List.of())
              .encode();
      HttpResponse<byte[]> refused = send(worker, "POST", PartitionService.LIST, create);
      assertError(refused, 413, "too_many_entities");
      assertThat(text(refused))
          .contains("\"field\":\"entities\"")
          .contains("entities must be <= " + limit)
          .contains("max heap");

      int[] bounds = StripLayout.even(CONFIG, 1).bounds();
      byte[] small =
          new PartitionMessage(
                  0,
                  new PartitionAssignment(CONFIG, 0, StripLayout.of(CONFIG, bounds)).toValues(),
                  List.of())
              .encode();
      assertThat(send(worker, "POST", PartitionService.LIST, small).statusCode()).isEqualTo(201);
    }
  }

  private static WorkerNode worker() {
    return WorkerNode.start(
        new ServerSettings("127.0.0.1", 0, Limits.DEFAULTS, Optional.of(TOKEN)),
        new ReferenceGemm(1));
  }

  private HttpResponse<byte[]> send(WorkerNode worker, String method, String path, byte[] body)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + worker.port() + path))
            .header("Authorization", "Bearer " + TOKEN)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(body));
    if (body != null) {
      request.header("Content-Type", PartitionMessage.MEDIA_TYPE);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static PartitionMessage bundle(HttpResponse<byte[]> response) {
    assertThat(response.statusCode()).as(text(response)).isEqualTo(200);
    return PartitionMessage.decode(response.body());
  }

  private static PartitionMessage bundle(byte[] body) {
    return PartitionMessage.decode(body);
  }

  private static String idOf(HttpResponse<byte[]> created) {
    Matcher m = Pattern.compile("\"id\":\"([^\"]+)\"").matcher(text(created));
    assertThat(m.find()).as(text(created)).isTrue();
    return m.group(1);
  }

  private static void assertError(HttpResponse<byte[]> response, int status, String code) {
    assertThat(response.statusCode()).as(text(response)).isEqualTo(status);
    assertThat(text(response)).contains("\"" + code + "\"");
  }

  private static String text(HttpResponse<byte[]> response) {
    return new String(response.body(), StandardCharsets.UTF_8);
  }
}
