package dev.wasmgrid.matmul.jobs;

import static dev.wasmgrid.matmul.jobs.JobNodes.coordinator;
import static dev.wasmgrid.matmul.jobs.JobNodes.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.coordinator.CoordinatorNode;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.matmul.Dtype;
import dev.wasmgrid.matmul.wire.MatmulRequest;
import dev.wasmgrid.testing.GatedGemm;
import dev.wasmgrid.testing.Poll;
import dev.wasmgrid.worker.WorkerNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The job limits: how many may wait, and how long finished ones are kept (on a fake clock). */
class JobLimitsTest {
  static final Duration LIMIT = Duration.ofSeconds(30);
  static final MatmulRequest SMALL = request(Dtype.F64, 40, 30, 20);

  @Test
  void jobsBeyondTheLimitAre503UntilOneEnds() {
    GatedGemm stuck = new GatedGemm();
    try (WorkerNode worker =
            WorkerNode.start(ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS), stuck);
        CoordinatorNode coordinator =
            coordinator(
                List.of(worker),
                new JobSettings(2, 1, Duration.ofMinutes(10), 16, Instant::now),
                Optional.empty())) {
      JobClient jobs = new JobClient(coordinator.port(), Optional.empty());
      String running = jobs.submitted("?mode=distributed", SMALL);
      String queued = jobs.submitted("?mode=distributed", SMALL);
      Poll.until("the first job runs", LIMIT, () -> jobs.state(running).equals("running"));
      assertThat(jobs.state(queued)).as("one runner: the second waits").isEqualTo("queued");

      HttpResponse<byte[]> refused = jobs.submit("?mode=local", SMALL);
      assertThat(refused.statusCode()).isEqualTo(503);
      assertThat(JobClient.text(refused)).contains("\"code\":\"too_many_jobs\"");
      assertThat(refused.headers().firstValue("Retry-After")).hasValue("5");

      assertThat(jobs.delete("/v1/jobs/" + queued).statusCode()).isEqualTo(200);
      String next = jobs.submitted("?mode=local", SMALL);
      assertThat(jobs.delete("/v1/jobs/" + running).statusCode()).isEqualTo(200);
      Poll.until("the next job succeeded", LIMIT, () -> jobs.state(next).equals("succeeded"));
      assertThat(jobs.state(queued))
          .as("a cancelled queued job never starts")
          .isEqualTo("cancelled");
      assertThat(jobs.status(queued).get("started_at").isNull()).isTrue();
    } finally {
      stuck.open();
    }
  }

  @Test
  void finishedJobsExpireAfterTheirTtlAndBeyondTheCount() {
    AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
    JobSettings settings = new JobSettings(8, 1, Duration.ofMinutes(10), 2, now::get);
    try (CoordinatorNode coordinator = coordinator(List.of(), settings, Optional.empty())) {
      JobClient jobs = new JobClient(coordinator.port(), Optional.empty());
      String first = finished(jobs);
      assertThat(jobs.status(first).get("submitted_at").asText()).isEqualTo("2026-01-01T00:00:00Z");
      now.set(now.get().plus(Duration.ofMinutes(9)));
      assertThat(jobs.get("/v1/jobs/" + first).statusCode()).isEqualTo(200);
      now.set(now.get().plus(Duration.ofMinutes(1)));
      HttpResponse<byte[]> gone = jobs.get("/v1/jobs/" + first + "/result");
      assertThat(gone.statusCode()).isEqualTo(404);
      assertThat(JobClient.text(gone)).contains("\"code\":\"job_not_found\"");

      // At most two finished jobs are kept: the oldest goes first.
      String a = finished(jobs);
      now.set(now.get().plusSeconds(1));
      String b = finished(jobs);
      now.set(now.get().plusSeconds(1));
      String c = finished(jobs);
      assertThat(jobs.get("/v1/jobs/" + a).statusCode()).isEqualTo(404);
      assertThat(jobs.get("/v1/jobs/" + b).statusCode()).isEqualTo(200);
      assertThat(jobs.get("/v1/jobs/" + c).statusCode()).isEqualTo(200);
      assertThat(JobClient.json(jobs.get("/v1/jobs")).get("jobs")).hasSize(2);
    }
  }

  private static String finished(JobClient jobs) {
    String id = jobs.submitted("", SMALL);
    Poll.until("job " + id + " succeeded", LIMIT, () -> jobs.state(id).equals("succeeded"));
    return id;
  }
}
