package dev.wasmgrid.matmul.jobs;

import static dev.wasmgrid.matmul.jobs.JobNodes.assertExact;
import static dev.wasmgrid.matmul.jobs.JobNodes.coordinator;
import static dev.wasmgrid.matmul.jobs.JobNodes.request;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wasmgrid.coordinator.CoordinatorNode;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.matmul.Dtype;
import dev.wasmgrid.matmul.coordinator.MatmulCoordinatorService;
import dev.wasmgrid.matmul.wire.MatmulRequest;
import dev.wasmgrid.matmul.wire.MatrixFrames;
import dev.wasmgrid.testing.GatedGemm;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.testing.Poll;
import dev.wasmgrid.worker.WorkerNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Long jobs end to end over real HTTP: a coordinator with two in-JVM workers, followed through
 * their server-sent events. Workers hold their products behind a {@link GatedGemm} where a test
 * must see a job in flight, so nothing depends on timing.
 */
class MatmulJobsTest {
  static final Duration LIMIT = Duration.ofSeconds(30);

  @Test
  void aDistributedJobStreamsItsProgressAndAnswersTheExactProduct() throws IOException {
    GatedGemm gate = new GatedGemm();
    try (WorkerNode w1 =
            WorkerNode.start(ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS), gate);
        WorkerNode w2 =
            WorkerNode.start(ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS), gate);
        CoordinatorNode coordinator =
            coordinator(List.of(w1, w2), JobSettings.DEFAULTS, Optional.empty())) {
      JobClient jobs = new JobClient(coordinator.port(), Optional.empty());
      MatmulRequest request = request(Dtype.F64, 301, 200, 257);
      HttpResponse<byte[]> submitted = jobs.submit("?mode=distributed", request);
      assertThat(submitted.statusCode()).as(JobClient.text(submitted)).isEqualTo(202);
      JsonNode accepted = JobClient.json(submitted);
      String id = accepted.get("id").asText();
      assertThat(id).matches("[0-9a-f]{32}");
      assertThat(submitted.headers().firstValue("Location")).hasValue("/v1/jobs/" + id);
      assertThat(accepted.get("state").asText()).isIn("queued", "running");
      assertThat(accepted.get("mode").asText()).isEqualTo("distributed");
      assertThat(accepted.get("requested_mode").asText()).isEqualTo("distributed");
      assertThat(accepted.get("dtype").asText()).isEqualTo("f64");
      assertThat(
              List.of(
                  accepted.get("m").asInt(), accepted.get("k").asInt(), accepted.get("n").asInt()))
          .containsExactly(301, 200, 257);

      List<JobClient.Event> events = new ArrayList<>();
      try (JobClient.Events stream = jobs.events(id)) {
        // The workers hold every tile, so the first event cannot be the last one.
        events.add(stream.next().orElseThrow());
        assertThat(events.getFirst().name()).isEqualTo("progress");
        assertThat(jobs.get("/v1/jobs/" + id + "/result").statusCode())
            .as("no result while running")
            .isEqualTo(409);
        gate.open();
        for (Optional<JobClient.Event> e = stream.next(); e.isPresent(); e = stream.next()) {
          events.add(e.get());
        }
      }
      JobClient.Event last = events.getLast();
      assertThat(last.name()).isEqualTo("done");
      assertThat(events.subList(0, events.size() - 1))
          .allSatisfy(e -> assertThat(e.name()).isEqualTo("progress"));
      int total = last.data().get("blocks_total").asInt();
      assertThat(total).as("2 workers").isEqualTo(2 * MatmulCoordinatorService.TILES_PER_WORKER);
      assertThat(last.data().get("blocks_done").asInt()).isEqualTo(total);
      assertThat(last.data().get("state").asText()).isEqualTo("succeeded");
      assertThat(last.data().get("bytes_sent").asLong()).isPositive();
      assertThat(last.data().get("bytes_received").asLong()).isPositive();
      List<Integer> done = events.stream().map(e -> e.data().get("blocks_done").asInt()).toList();
      assertThat(done).isSorted().contains(0, total);
      assertThat(done.getFirst()).isZero();

      HttpResponse<byte[]> result = jobs.get("/v1/jobs/" + id + "/result");
      assertThat(result.statusCode()).isEqualTo(200);
      assertThat(result.headers().firstValue("Content-Type")).hasValue(MatrixFrames.MEDIA_TYPE);
      assertExact(request, result.body());

      // After the end: the final event at once, and the status agrees.
      try (JobClient.Events late = jobs.events(id)) {
        assertThat(late.next().orElseThrow().name()).isEqualTo("done");
        assertThat(late.next()).isEmpty();
      }
      assertThat(jobs.status(id).get("finished_at").isTextual()).isTrue();
      // The list shows each job by a reference that grants nothing; only the submitter has the id.
      assertThat(JobClient.text(jobs.get("/v1/jobs")))
          .contains("\"ref\":\"" + id.substring(0, 8) + "\"")
          .doesNotContain(id);
      for (WorkerNode w : List.of(w1, w2)) {
        assertThat(Http.text(new Http(w.port()).get("/metrics")))
            .as("every worker computed tiles")
            .containsPattern(
                "wasmgrid_http_requests_seconds_count\\{method=\"POST\",route=\"/v1/matmul\",status=\"200\"} [1-9]");
      }
      String metrics = Http.text(new Http(coordinator.port()).get("/metrics"));
      assertThat(metrics)
          .contains("route=\"/v1/jobs/{id}/events\"", "route=\"/v1/jobs/{id}/result\"")
          .doesNotContain(id);
    } finally {
      gate.open();
    }
  }

  @Test
  void aCancelledJobStopsAtOnceAndFreesItsRunner() throws IOException {
    GatedGemm stuck = new GatedGemm();
    try (WorkerNode worker =
            WorkerNode.start(ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS), stuck);
        CoordinatorNode coordinator =
            coordinator(List.of(worker), JobSettings.DEFAULTS, Optional.empty())) {
      JobClient jobs = new JobClient(coordinator.port(), Optional.empty());
      String id = jobs.submitted("?mode=distributed", request(Dtype.F64, 300, 200, 300));
      Poll.until("the worker holds a tile", LIMIT, () -> stuck.entered() > 0);
      assertThat(jobs.state(id)).isEqualTo("running");

      HttpResponse<byte[]> cancelled = jobs.delete("/v1/jobs/" + id);
      assertThat(cancelled.statusCode()).isEqualTo(200);
      assertThat(JobClient.json(cancelled).get("state").asText()).isEqualTo("cancelled");
      assertThat(jobs.state(id)).isEqualTo("cancelled");
      HttpResponse<byte[]> result = jobs.get("/v1/jobs/" + id + "/result");
      assertThat(result.statusCode()).isEqualTo(410);
      assertThat(JobClient.text(result)).contains("job_cancelled");
      try (JobClient.Events events = jobs.events(id)) {
        assertThat(events.next().orElseThrow().name()).isEqualTo("cancelled");
      }
      HttpResponse<byte[]> again = jobs.delete("/v1/jobs/" + id);
      assertThat(JobClient.json(again).get("state").asText()).isEqualTo("cancelled");

      // One job runs at a time by default, and the worker is still stuck: a new job finishing
      // means the cancelled one gave its runner back without waiting for the worker.
      MatmulRequest next = request(Dtype.F32, 64, 48, 80);
      String local = jobs.submitted("?mode=local", next);
      Poll.until("the next job succeeded", LIMIT, () -> jobs.state(local).equals("succeeded"));
      assertExact(next, jobs.get("/v1/jobs/" + local + "/result").body());
      assertThat(jobs.state(id)).as("a late tile changes nothing").isEqualTo("cancelled");
      HttpResponse<byte[]> sync =
          new Http(coordinator.port())
              .post(
                  "/v1/matmul?mode=local",
                  MatrixFrames.MEDIA_TYPE,
                  MatrixFrames.encode(next.a(), next.b()));
      assertThat(sync.statusCode()).isEqualTo(200);
      assertExact(next, sync.body());
    } finally {
      stuck.open();
    }
  }

  @Test
  void aModeSwitchLeavesJobsInFlightAlone() {
    GatedGemm gate = new GatedGemm();
    try (WorkerNode worker =
            WorkerNode.start(ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS), gate);
        CoordinatorNode coordinator =
            coordinator(List.of(worker), JobSettings.DEFAULTS, Optional.empty())) {
      JobClient jobs = new JobClient(coordinator.port(), Optional.empty());
      assertThat(putMode(jobs, "distributed")).isEqualTo(200);
      MatmulRequest request = request(Dtype.F64, 256, 128, 256);
      String first = jobs.submitted("", request);
      Poll.until("the worker holds a tile", LIMIT, () -> gate.entered() > 0);

      assertThat(putMode(jobs, "local")).isEqualTo(200);
      JsonNode running = jobs.status(first);
      assertThat(running.get("mode").asText()).isEqualTo("distributed");
      assertThat(running.get("requested_mode").asText()).isEqualTo("auto");
      String second = jobs.submitted("", request);
      assertThat(jobs.status(second).get("mode").asText()).isEqualTo("local");

      gate.open();
      Poll.until(
          "both jobs succeeded",
          LIMIT,
          () -> jobs.state(first).equals("succeeded") && jobs.state(second).equals("succeeded"));
      assertThat(jobs.status(first).get("blocks_total").asInt())
          .as("still split over the worker")
          .isEqualTo(MatmulCoordinatorService.TILES_PER_WORKER);
      assertThat(gate.entered())
          .as("the worker computed the first job's tiles and nothing of the second")
          .isEqualTo(MatmulCoordinatorService.TILES_PER_WORKER);
      assertThat(jobs.status(second).get("blocks_total").asInt()).isEqualTo(1);
      assertExact(request, jobs.get("/v1/jobs/" + first + "/result").body());
      assertExact(request, jobs.get("/v1/jobs/" + second + "/result").body());
    } finally {
      gate.open();
    }
  }

  private static int putMode(JobClient jobs, String mode) {
    return jobs.putJson("/v1/config/matmul", "{\"mode\":\"" + mode + "\"}").statusCode();
  }
}
