package dev.wasmgrid.llm.worker;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.http.ErrorBodies;
import dev.wasmgrid.http.HttpStatuses;
import dev.wasmgrid.http.Reply;
import dev.wasmgrid.http.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Errors of the language-model routes in OpenAI's shape, {@code {"error":{"message", "type",
 * "param", "code"}}}, keeping wasmgrid's {@code field} too: OpenAI's clients read {@code message}
 * and {@code param}, wasmgrid's read {@code code} and {@code field}.
 */
public final class OpenAiErrors {
  private static final Logger LOG = LoggerFactory.getLogger(OpenAiErrors.class);

  private OpenAiErrors() {}

  /** The error object. */
  public static ObjectNode body(Failure error) {
    ObjectNode outer = ErrorBodies.errorObject(error);
    ObjectNode inner = (ObjectNode) outer.get("error");
    inner.put("type", HttpStatuses.of(error) >= 500 ? "server_error" : "invalid_request_error");
    if (error.field().isEmpty()) {
      inner.putNull("param");
    } else {
      inner.put("param", error.field());
    }
    return outer;
  }

  /** A reply carrying {@link #body}. */
  public static Reply reply(Failure error) {
    return Reply.json(HttpStatuses.of(error), body(error).toString());
  }

  /**
   * {@code handler} with its errors in OpenAI's shape; an unexpected failure is logged and answered
   * 500 {@code internal}, as other routes answer it. (Errors once a stream has begun are the
   * stream's to tell, in an {@code error} event.)
   */
  public static Route.Handler answering(Route.Handler handler) {
    return req -> {
      try {
        return handler.handle(req);
      } catch (Failure e) {
        return reply(e);
      } catch (RuntimeException e) {
        LOG.error("language-model request failed", e);
        return reply(
            new Failure(
                Failure.Kind.INTERNAL,
                "internal",
                "",
                "internal error: " + e.getClass().getName()));
      }
    };
  }
}
