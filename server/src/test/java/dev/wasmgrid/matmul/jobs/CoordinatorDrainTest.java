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
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.matmul.wire.MatmulRequest;
import dev.wasmgrid.matmul.wire.MatrixFrames;
import dev.wasmgrid.testing.GatedGemm;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.testing.Poll;
import dev.wasmgrid.worker.WorkerNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A coordinator stopping: draining lets the work it accepted finish while it refuses new work, and
 * the job records in its directory tell a restarted coordinator what became of every job. Gated
 * kernels hold the work in flight, so nothing depends on timing.
 */
class CoordinatorDrainTest {
  static final Duration LIMIT = Duration.ofSeconds(30);

  @TempDir Path jobsDir;

  @Test
  void drainingRefusesNewWorkAndLetsTheProductAndTheJobInServiceFinish() throws Exception {
    GatedGemm workerGate = new GatedGemm();
    GatedGemm localGate = new GatedGemm();
    String id;
    try (WorkerNode worker =
            WorkerNode.start(ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS), workerGate);
        CoordinatorNode coordinator =
            coordinator(List.of(worker), JobSettings.DEFAULTS, jobsDir, localGate)) {
      Http http = new Http(coordinator.port());
      JobClient jobs = new JobClient(coordinator.port(), Optional.empty());
      MatmulRequest jobRequest = request(Dtype.F64, 90, 70, 80);
      id = jobs.submitted("?mode=distributed", jobRequest);
      Poll.until("the job is in the worker's kernel", LIMIT, () -> workerGate.entered() > 0);
      MatmulRequest product = request(Dtype.F64, 40, 30, 50);
      CompletableFuture<HttpResponse<byte[]>> inService =
          CompletableFuture.supplyAsync(
              () ->
                  http.post(
                      "/v1/matmul?mode=local",
                      MatrixFrames.MEDIA_TYPE,
                      MatrixFrames.encode(product.a(), product.b())));
      Poll.until("the product is in the local kernel", LIMIT, () -> localGate.entered() > 0);

      CompletableFuture<Void> drained = CompletableFuture.runAsync(() -> drain(coordinator));
      Poll.until(
          "readiness says draining", LIMIT, () -> http.get("/health/ready").statusCode() == 503);
      assertThat(Http.text(http.get("/health/ready"))).isEqualTo("{\"status\":\"DRAINING\"}");
      assertThat(http.get("/health/live").statusCode()).isEqualTo(200);
      HttpResponse<byte[]> refused = jobs.submit("", jobRequest);
      assertThat(refused.statusCode()).isEqualTo(503);
      assertThat(JobClient.json(refused).path("error").path("code").asText())
          .isEqualTo("shutting_down");
      assertThat(refused.headers().firstValue("Retry-After")).hasValue("2");
      // Reads of jobs are still served: what the drain lets finish must be fetchable.
      assertThat(jobs.status(id).get("state").asText()).isEqualTo("running");
      assertThat(drained).as("the gated work holds the drain").isNotDone();

      workerGate.open();
      localGate.open();
      HttpResponse<byte[]> answered = inService.get(LIMIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(answered.statusCode()).isEqualTo(200);
      assertExact(product, answered.body());
      Poll.until(
          "the job succeeded",
          LIMIT,
          () -> jobs.status(id).get("state").asText().equals("succeeded"));
      assertThat(drained).as("the unfetched result holds the drain").isNotDone();
      HttpResponse<byte[]> result = jobs.get("/v1/jobs/" + id + "/result");
      assertThat(result.statusCode()).isEqualTo(200);
      assertExact(jobRequest, result.body());
      drained.get(LIMIT.toSeconds(), TimeUnit.SECONDS);
    } finally {
      workerGate.open();
      localGate.open();
    }
    // The job finished within the grace period; its C is gone with the process, its record is not.
    try (CoordinatorNode restarted =
        coordinator(List.of(), JobSettings.DEFAULTS, jobsDir, new ReferenceGemm(1))) {
      JobClient jobs = new JobClient(restarted.port(), Optional.empty());
      JsonNode status = jobs.status(id);
      assertThat(status.get("state").asText()).isEqualTo("succeeded");
      assertThat(status.get("blocks_done").asInt()).isEqualTo(status.get("blocks_total").asInt());
      HttpResponse<byte[]> result = jobs.get("/v1/jobs/" + id + "/result");
      assertThat(result.statusCode()).isEqualTo(410);
      assertThat(JobClient.text(result)).contains("job_result_lost");
    }
  }

  @Test
  void aJobStillRunningWhenTheGracePeriodEndsFailsWithShuttingDown() throws Exception {
    GatedGemm stuck = new GatedGemm();
    String id;
    try (WorkerNode worker =
            WorkerNode.start(ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS), stuck);
        CoordinatorNode coordinator =
            coordinator(List.of(worker), JobSettings.DEFAULTS, jobsDir, new ReferenceGemm(1))) {
      JobClient jobs = new JobClient(coordinator.port(), Optional.empty());
      id = jobs.submitted("?mode=distributed", request(Dtype.F64, 90, 70, 80));
      Poll.until("the job is in the worker's kernel", LIMIT, () -> stuck.entered() > 0);
      try (JobClient.Events events = jobs.events(id)) {
        assertThat(events.next().orElseThrow().name()).isEqualTo("progress");
        coordinator.drain(Duration.ZERO);
        JobClient.Event last = events.next().orElseThrow();
        while (last.name().equals("progress")) {
          last = events.next().orElseThrow();
        }
        // Not "cancelled": nobody cancelled it.
        assertThat(last.name()).isEqualTo("failed");
        assertThat(last.data().path("error").path("code").asText()).isEqualTo("shutting_down");
      }
    } finally {
      stuck.open();
    }
    try (CoordinatorNode restarted =
        coordinator(List.of(), JobSettings.DEFAULTS, jobsDir, new ReferenceGemm(1))) {
      JsonNode status = new JobClient(restarted.port(), Optional.empty()).status(id);
      assertThat(status.get("state").asText()).isEqualTo("failed");
      assertThat(status.path("error").path("code").asText()).isEqualTo("shutting_down");
    }
  }

  @Test
  void aCoordinatorStartedOnTheRecordsOfOneThatDiedReportsItsRunningJobInterrupted()
      throws Exception {
    GatedGemm stuck = new GatedGemm();
    try (WorkerNode worker =
            WorkerNode.start(ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS), stuck);
        CoordinatorNode dying =
            coordinator(List.of(worker), JobSettings.DEFAULTS, jobsDir, new ReferenceGemm(1))) {
      JobClient jobs = new JobClient(dying.port(), Optional.empty());
      String id = jobs.submitted("?mode=distributed", request(Dtype.F32, 90, 70, 80));
      Poll.until("the job is in the worker's kernel", LIMIT, () -> stuck.entered() > 0);
      assertThat(jobs.state(id)).isEqualTo("running");
      // What a coordinator killed now leaves behind: the record of a running job.
      try (CoordinatorNode restarted =
          coordinator(List.of(), JobSettings.DEFAULTS, jobsDir, new ReferenceGemm(1))) {
        JsonNode status = new JobClient(restarted.port(), Optional.empty()).status(id);
        assertThat(status.get("state").asText()).isEqualTo("failed");
        assertThat(status.path("error").path("code").asText()).isEqualTo("coordinator_restarted");
        assertThat(status.path("error").path("message").asText()).contains("was running");
        assertThat(List.of(status.get("dtype").asText(), status.get("m").asInt()))
            .containsExactly("f32", 90);
        assertThat(status.get("started_at").isTextual()).isTrue();
        assertThat(status.get("finished_at").isTextual()).isTrue();
      }
    } finally {
      stuck.open();
    }
  }

  @Test
  void recordsAreBoundedLikeTheFinishedJobsAndReadableByTheOwnerOnly() throws Exception {
    JobSettings keepTwo = new JobSettings(8, 1, Duration.ofMinutes(10), 2, InstantSource.system());
    try (CoordinatorNode coordinator =
        coordinator(List.of(), keepTwo, jobsDir, new ReferenceGemm(1))) {
      JobClient jobs = new JobClient(coordinator.port(), Optional.empty());
      for (int i = 0; i < 3; i++) {
        String id = jobs.submitted("", request(Dtype.F64, 8, 8, 8));
        Poll.until("job " + i + " succeeds", LIMIT, () -> jobs.state(id).equals("succeeded"));
      }
      assertThat(jobs.get("/v1/jobs").statusCode()).isEqualTo(200);
      List<Path> records = records();
      assertThat(records).hasSize(2);
      for (Path record : records) {
        assertThat(Files.getPosixFilePermissions(record))
            .containsExactlyInAnyOrder(
                PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
      }
    }
    // A torn or foreign file is dropped, not served.
    Files.writeString(jobsDir.resolve("0123456789abcdef0123456789abcdef.json"), "{\"id\":");
    try (CoordinatorNode restarted =
        coordinator(List.of(), keepTwo, jobsDir, new ReferenceGemm(1))) {
      assertThat(JobClient.json(new Http(restarted.port()).get("/v1/jobs")).get("jobs")).hasSize(2);
      assertThat(records()).hasSize(2);
    }
  }

  private List<Path> records() throws IOException {
    try (Stream<Path> files = Files.list(jobsDir)) {
      return files.toList();
    }
  }

  private static void drain(CoordinatorNode coordinator) {
    try {
      coordinator.drain(Duration.ofMinutes(1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
