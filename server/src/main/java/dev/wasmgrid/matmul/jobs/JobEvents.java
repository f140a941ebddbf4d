package dev.wasmgrid.matmul.jobs;

import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.http.HeadResponse;
import io.helidon.common.media.type.MediaTypes;
import io.helidon.http.HeaderNames;
import io.helidon.http.sse.SseEvent;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.sse.SseSink;
import java.io.UncheckedIOException;
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

  void stream(MatmulJob job, ServerRequest req, ServerResponse res) {
    if (!req.headers().isAccepted(MediaTypes.TEXT_EVENT_STREAM)) {
      throw new Failure(
          Failure.Kind.NOT_ACCEPTABLE,
          "not_acceptable",
          "",
          "events are text/event-stream; accept it, or send no Accept");
    }
    if (HeadResponse.isHead(req)) {
      // The stream's headers only: a HEAD answer has no body to stream.
      res.header(HeaderNames.CONTENT_TYPE, MediaTypes.TEXT_EVENT_STREAM.text());
      res.send();
      return;
    }
    try (SseSink sink = res.sink(SseSink.TYPE)) {
      long seen = -1;
      while (true) {
        JobStatus status = job.awaitChange(seen, KEEP_ALIVE);
        if (status.version() == seen) {
          sink.emit(SseEvent.builder().comment("waiting").build());
          continue;
        }
        seen = status.version();
        String data = status.toJson().toString();
        if (status.state().finished()) {
          sink.emit(SseEvent.builder().name(finalName(status.state())).data(data).build());
          return;
        }
        sink.emit(SseEvent.builder().name("progress").data(data).build());
      }
    } catch (UncheckedIOException e) {
      LOG.debug("events of job {}: the client went away ({})", job.ref(), e.toString());
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
