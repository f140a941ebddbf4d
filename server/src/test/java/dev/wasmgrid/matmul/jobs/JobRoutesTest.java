package dev.wasmgrid.matmul.jobs;

import static dev.wasmgrid.matmul.jobs.JobNodes.assertExact;
import static dev.wasmgrid.matmul.jobs.JobNodes.coordinator;
import static dev.wasmgrid.matmul.jobs.JobNodes.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.coordinator.CoordinatorNode;
import dev.wasmgrid.matmul.Dtype;
import dev.wasmgrid.matmul.wire.MatmulRequest;
import dev.wasmgrid.matmul.wire.MatrixFrames;
import dev.wasmgrid.testing.Poll;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The job routes' errors: unknown ids, wrong methods, bad bodies and the token. */
class JobRoutesTest {
  static final Duration LIMIT = Duration.ofSeconds(30);
  static final MatmulRequest SMALL = request(Dtype.F32, 33, 17, 29);
  static final String UNKNOWN = "/v1/jobs/0123456789abcdef0123456789abcdef";

  @Test
  void unknownIdsAre404AndWrongMethods405() {
    try (CoordinatorNode coordinator =
        coordinator(List.of(), JobSettings.DEFAULTS, Optional.empty())) {
      JobClient jobs = new JobClient(coordinator.port(), Optional.empty());
      for (HttpResponse<byte[]> missing :
          List.of(
              jobs.get(UNKNOWN),
              jobs.delete(UNKNOWN),
              jobs.get(UNKNOWN + "/result"),
              jobs.get(UNKNOWN + "/events"))) {
        assertThat(missing.statusCode()).as(JobClient.text(missing)).isEqualTo(404);
        assertThat(JobClient.text(missing)).contains("\"code\":\"job_not_found\"");
      }
      assertAllow(jobs.send("PUT", UNKNOWN), "DELETE, GET, HEAD");
      assertAllow(jobs.send("POST", UNKNOWN + "/events"), "GET, HEAD");
      assertAllow(jobs.send("DELETE", UNKNOWN + "/result"), "GET, HEAD");
      assertAllow(jobs.get("/v1/jobs/matmul"), "POST");
      assertAllow(jobs.send("POST", "/v1/jobs"), "GET, HEAD");
      assertThat(jobs.get(UNKNOWN + "/nothing").statusCode()).isEqualTo(404);
      assertThat(jobs.get("/v1/jobs/..%2f..%2fmetrics").statusCode())
          .as("an id is one path segment")
          .isEqualTo(404);
    }
  }

  @Test
  void badBodiesGetTheSameErrorsAsMatmulAndTheCoordinatorGoesOn() {
    try (CoordinatorNode coordinator =
        coordinator(List.of(), JobSettings.DEFAULTS, Optional.empty())) {
      JobClient jobs = new JobClient(coordinator.port(), Optional.empty());
      byte[] frames = MatrixFrames.encode(SMALL.a(), SMALL.b());
      assertError(
          jobs.submit("", MatrixFrames.MEDIA_TYPE, Arrays.copyOf(frames, frames.length - 1)),
          400,
          "truncated_frame");
      assertError(
          jobs.submit("", MatrixFrames.MEDIA_TYPE, MatrixFrames.encode(SMALL.a(), SMALL.a())),
          400,
          "shape_mismatch");
      assertError(jobs.submit("?mode=fast", SMALL), 400, "invalid_mode");
      assertError(
          jobs.submit(
              "", "application/json", "{\"A\":[[1]],\"B\":[[2]]}".getBytes(StandardCharsets.UTF_8)),
          415,
          "unsupported_media_type");
      assertThat(JobClient.json(jobs.get("/v1/jobs")).get("jobs")).isEmpty();

      String id = jobs.submitted("", SMALL);
      Poll.until("the job succeeded", LIMIT, () -> jobs.state(id).equals("succeeded"));
      assertExact(SMALL, jobs.get("/v1/jobs/" + id + "/result").body());
    }
  }

  @Test
  void everyJobRouteNeedsTheToken() throws IOException {
    try (CoordinatorNode coordinator =
        coordinator(List.of(), JobSettings.DEFAULTS, Optional.of("s3cret"))) {
      JobClient anonymous = new JobClient(coordinator.port(), Optional.empty());
      JobClient wrong = new JobClient(coordinator.port(), Optional.of("guess"));
      JobClient owner = new JobClient(coordinator.port(), Optional.of("s3cret"));
      String id = owner.submitted("", SMALL);
      String job = "/v1/jobs/" + id;
      for (JobClient stranger : List.of(anonymous, wrong)) {
        for (HttpResponse<byte[]> refused :
            List.of(
                stranger.submit("", SMALL),
                stranger.get("/v1/jobs"),
                stranger.get(job),
                stranger.get(job + "/result"),
                stranger.get(job + "/events"),
                stranger.delete(job))) {
          assertThat(refused.statusCode()).isEqualTo(401);
          assertThat(refused.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
          assertThat(JobClient.text(refused)).doesNotContain(id);
        }
      }
      try (JobClient.Events events = owner.events(id)) {
        JobClient.Event last = events.next().orElseThrow();
        while (last.name().equals("progress")) {
          last = events.next().orElseThrow();
        }
        assertThat(last.name()).isEqualTo("done");
      }
      assertThat(owner.state(id)).as("a refused DELETE cancels nothing").isEqualTo("succeeded");
      assertExact(SMALL, owner.get(job + "/result").body());
      for (String path : List.of(job, job + "/result", job + "/events", "/v1/jobs")) {
        HttpResponse<byte[]> head = owner.send("HEAD", path);
        assertThat(head.statusCode()).as(path).isEqualTo(200);
        assertThat(head.body()).as(path).isEmpty();
      }
      assertThat(owner.send("HEAD", job + "/events").headers().firstValue("Content-Type"))
          .hasValue("text/event-stream");
      assertThat(owner.send("HEAD", job + "/result").headers().firstValue("Content-Length"))
          .hasValue(Long.toString(owner.get(job + "/result").body().length));
    }
  }

  private static void assertAllow(HttpResponse<byte[]> response, String allow) {
    assertThat(response.statusCode()).as(JobClient.text(response)).isEqualTo(405);
    assertThat(response.headers().firstValue("Allow")).hasValue(allow);
    assertThat(JobClient.text(response)).contains("\"code\":\"method_not_allowed\"");
  }

  private static void assertError(HttpResponse<byte[]> response, int status, String code) {
    assertThat(response.statusCode()).as(JobClient.text(response)).isEqualTo(status);
    assertThat(JobClient.json(response).get("error").get("code").asText()).isEqualTo(code);
  }
}
