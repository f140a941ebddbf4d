package dev.wasmgrid.http;

import dev.wasmgrid.errors.Failure;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.Locale;
import java.util.Objects;

/**
 * A route whose path has parameters ({@code /v1/jobs/{id}}) or whose answer is not one {@link
 * Reply} (a stream of server-sent events), so it gets Helidon's request and response. The server
 * gives it the same token check, metrics (labelled with the pattern, never the concrete path) and
 * uniform errors as the other routes, and answers 405 with {@code Allow} for the pattern's other
 * methods.
 *
 * @param method the HTTP method, upper case ({@code GET}, {@code DELETE}, ...)
 * @param pattern a Helidon path pattern; {@code {name}} matches one path segment, read with {@code
 *     request.path().pathParameters().get("name")}
 * @param handler answers the request, e.g. with {@link GridServer#send}
 */
public record Route(String method, String pattern, Handler handler) {

  /** Answers one request; an {@link Failure} it throws before answering becomes the error body. */
  @FunctionalInterface
  public interface Handler {
    /** Serves one request. */
    void handle(ServerRequest request, ServerResponse response);
  }

  public Route {
    Objects.requireNonNull(handler, "handler");
    if (!method.equals(method.toUpperCase(Locale.ROOT)) || method.isBlank()) {
      throw new IllegalArgumentException("the method must be upper case: " + method);
    }
    if (!pattern.startsWith("/")) {
      throw new IllegalArgumentException("the pattern must start with '/': " + pattern);
    }
  }
}
