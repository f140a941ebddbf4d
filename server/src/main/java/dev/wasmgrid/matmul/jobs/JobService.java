package dev.wasmgrid.matmul.jobs;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.http.Endpoint;
import dev.wasmgrid.http.ErrorBodies;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.Reply;
import dev.wasmgrid.http.Request;
import dev.wasmgrid.http.Routes;
import dev.wasmgrid.http.Service;
import dev.wasmgrid.matmul.Matrix;
import dev.wasmgrid.matmul.coordinator.MatmulPolicy;
import dev.wasmgrid.matmul.wire.MatmulRequest;
import dev.wasmgrid.matmul.wire.MatrixFrames;
import java.util.List;
import java.util.Map;

/**
 * The long-job routes of a coordinator (docs/api.md, "Jobs"): {@code POST /v1/jobs/matmul} submits,
 * {@code GET /v1/jobs} lists, {@code GET /v1/jobs/{id}} reports, {@code GET /v1/jobs/{id}/events}
 * streams the progress, {@code GET /v1/jobs/{id}/result} answers C and {@code DELETE /v1/jobs/{id}}
 * cancels.
 */
public final class JobService implements Service {
  /** The path jobs are submitted to. */
  public static final String SUBMIT = "/v1/jobs/matmul";

  /** The path listing the jobs. */
  public static final String LIST = "/v1/jobs";

  private static final String JOB = "/v1/jobs/{id}";

  private final MatmulJobs jobs;
  private final int maxDimension;

  /**
   * @param maxDimension the largest matrix side accepted, as for {@code /v1/matmul}
   */
  public JobService(MatmulJobs jobs, int maxDimension) {
    this.jobs = jobs;
    this.maxDimension = maxDimension;
  }

  /** {@code POST /v1/jobs/matmul[?mode=auto|local|distributed]}: 202 with the job's status. */
  private Endpoint submit() {
    return new Endpoint() {
      @Override
      public long maxBodyBytes(String contentType, Limits limits) {
        // A job's body is a product's frames; any other media type is refused (415), so it gets
        // no more room than --max-body.
        return MatrixFrames.isFrames(contentType)
            ? MatrixFrames.maxProductBytes(limits)
            : limits.maxBodyBytes();
      }

      @Override
      public Reply handle(String contentType, byte[] body, Map<String, String> query) {
        return submit(contentType, body, MatmulPolicy.Mode.fromQuery(query));
      }

      @Override
      public Reply error(Failure error) {
        Reply reply = ErrorBodies.plain(error);
        // Jobs end on their own; a client told when to come back does not spin.
        return error.code().equals("too_many_jobs") ? reply.withHeader("Retry-After", "5") : reply;
      }
    };
  }

  /**
   * {@code GET /v1/jobs}: every job kept, oldest first, by {@link JobStatus#ref()}: an id is a
   * capability, told only to whoever submitted the job.
   */
  private Reply list() {
    ArrayNode list = JsonNodeFactory.instance.arrayNode();
    jobs.list().forEach(status -> list.add(status.toListedJson()));
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.set("jobs", list);
    return Reply.ok(body.toString());
  }

  @Override
  public void routing(Routes routes) {
    routes.postBody(SUBMIT, submit());
    routes.get(LIST, this::list);
    JobEvents events = new JobEvents();

    routes.get(JOB, req -> status(find(req).status()));
    routes.delete(JOB, req -> status(jobs.cancel(id(req))));
    routes.get(JOB + "/result", req -> result(find(req)));
    routes.get(JOB + "/events", req -> events.stream(find(req), req));
  }

  private Reply submit(String contentType, byte[] body, MatmulPolicy.Mode mode) {
    if (!MatrixFrames.isFrames(contentType)) {
      throw new Failure(
          Failure.Kind.UNSUPPORTED_MEDIA,
          "unsupported_media_type",
          "",
          "a job's body is binary frames, A then B: Content-Type must be "
              + MatrixFrames.MEDIA_TYPE
              + ", not "
              + (contentType.isEmpty() ? "absent" : contentType));
    }
    List<Matrix> ab = MatrixFrames.decode(body, maxDimension, "A", "B");
    MatmulJob job = jobs.submit(body, new MatmulRequest(ab.get(0), ab.get(1)), mode);
    return Reply.accepted(job.status().toJson().toString())
        .withHeader("Location", LIST + "/" + job.id());
  }

  private static Reply result(MatmulJob job) {
    JobStatus status = job.status();
    return switch (status.state()) {
      case SUCCEEDED ->
          Reply.ok(
              MatrixFrames.MEDIA_TYPE,
              job.fetchResult()
                  .orElseThrow(
                      () ->
                          // Records survive a restart; C is kept in memory only.
                          new Failure(
                              Failure.Kind.GONE,
                              "job_result_lost",
                              "",
                              "job "
                                  + status.id()
                                  + " succeeded before the coordinator restarted, and results"
                                  + " are kept in memory only; submit it again")));
      case QUEUED, RUNNING ->
          throw new Failure(
              Failure.Kind.CONFLICT,
              "job_not_finished",
              "",
              "job " + status.id() + " is " + status.state().wireName() + "; follow its events");
      case FAILED ->
          throw new Failure(
              Failure.Kind.CONFLICT,
              "job_failed",
              "",
              "job "
                  + status.id()
                  + " failed ("
                  + status.error().map(e -> e.code() + ": " + e.message()).orElse("")
                  + "); it has no result");
      case CANCELLED ->
          throw new Failure(
              Failure.Kind.GONE,
              "job_cancelled",
              "",
              "job " + status.id() + " was cancelled; it has no result");
    };
  }

  private MatmulJob find(Request req) {
    return jobs.find(id(req));
  }

  private static String id(Request req) {
    return req.param("id");
  }

  private static Reply status(JobStatus status) {
    return Reply.ok(status.toJson().toString());
  }
}
