package dev.wasmgrid.matmul.jobs;

import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.http.EventStream;
import dev.wasmgrid.http.Reply;
import dev.wasmgrid.http.Request;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /v1/jobs/{id}/events}: a job's progress as server-sent events. Each change is an
 * {@code event: progress} whose {@code data:} is the status JSON; the last event is named after the
 * end ({@code done}, {@code failed} or {@code cancelled}), and then the stream closes. A client
 * that connects after the end gets that last event at once.
 */
final class JobEvents {
  private static final Logger LOG = LoggerFactory.getLogger(JobEvents.class);

  /**
   * A comment line this often while nothing changes, so that a client that went away is noticed
   * (the write fails) and proxies do not close an idle stream.
   */
  private static final Duration KEEP_ALIVE = Duration.ofSeconds(15);

  Reply stream(MatmulJob job, Request req) {
    if (!req.accepts(Reply.EVENT_STREAM)) {
      throw new Failure(
          Failure.Kind.NOT_ACCEPTABLE,
          "not_acceptable",
          "",
          "events are text/event-stream; accept it, or send no Accept");
    }
    return Reply.events(events -> send(job, events));
  }

  private static void send(MatmulJob job, EventStream events) {
    try {
      long seen = -1;
      while (true) {
        JobStatus status = job.awaitChange(seen, KEEP_ALIVE);
        if (status.version() == seen) {
          if (!events.comment("waiting")) {
            break;
          }
          continue;
        }
        seen = status.version();
        String data = status.toJson().toString();
        if (status.state().finished()) {
          events.send(finalName(status.state()), data);
          return;
        }
        if (!events.send("progress", data)) {
          break;
        }
      }
      LOG.debug("events of job {}: the client went away", job.ref());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // the server is stopping
    }
  }

  private static String finalName(JobState state) {
    return switch (state) {
      case SUCCEEDED -> "done";
      case FAILED -> "failed";
      case CANCELLED -> "cancelled";
      case QUEUED, RUNNING -> throw new IllegalArgumentException(state + " is not final");
    };
  }
}
