package dev.wasmgrid.http;

import dev.wasmgrid.errors.Failure;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.LoggerFactory;

/**
 * A {@code POST} route's logic, independent of the HTTP server, so the coordinator can call a
 * worker's endpoints in-process exactly as over the network.
 */
@FunctionalInterface
public interface Endpoint {

  /**
   * Serves one request body with its query parameters (the first value of each).
   *
   * @param contentType the request's Content-Type, or an empty string when absent
   * @throws Failure for a request that cannot be served
   */
  Reply handle(String contentType, byte[] body, Map<String, String> query);

  /**
   * The largest body this route reads with this Content-Type: {@link Limits#maxBodyBytes()} unless
   * its bodies are bounded by another limit (binary matrix products by {@link
   * Limits#maxDimension()}).
   */
  default long maxBodyBytes(String contentType, Limits limits) {
    return limits.maxBodyBytes();
  }

  /**
   * As {@link #handle}, never throwing: every failure becomes an error reply, so one bad request
   * cannot take a server down.
   */
  default Reply serve(String contentType, byte[] body, Map<String, String> query) {
    return guard(() -> handle(contentType, body, query));
  }

  /**
   * Runs one request's handling and turns every failure into an error reply, so one bad request
   * cannot take a server down.
   */
  default Reply guard(Supplier<Reply> handling) {
    try {
      return handling.get();
    } catch (Failure e) {
      return error(e);
    } catch (OutOfMemoryError e) {
      // The oversized request's memory is unreachable once we return, so the server can go on.
      return error(Failure.outOfMemory());
    } catch (RuntimeException e) {
      LoggerFactory.getLogger(Endpoint.class).error("request failed", e);
      return error(
          new Failure(
              Failure.Kind.INTERNAL, "internal", "", "internal error: " + e.getClass().getName()));
    }
  }

  /** How this route reports an error; a plain JSON error object unless overridden. */
  default Reply error(Failure error) {
    return ErrorBodies.plain(error);
  }
}
