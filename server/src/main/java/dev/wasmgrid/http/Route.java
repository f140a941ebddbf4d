package dev.wasmgrid.http;

import dev.wasmgrid.errors.Failure;
import java.util.Locale;
import java.util.Objects;

/**
 * A route of any method whose path may have parameters ({@code /v1/jobs/{id}}). Its handler takes a
 * transport-neutral {@link Request} and returns a {@link Reply} (streamed for server-sent events),
 * so the coordinator's in-process worker client serves it as the HTTP server does. The server gives
 * it the same token check, metrics (labelled with the pattern, never the concrete path) and uniform
 * errors as the other routes, and answers 405 with {@code Allow} for the pattern's other methods.
 *
 * @param method the HTTP method, upper case ({@code GET}, {@code DELETE}, ...)
 * @param pattern a Helidon path pattern; {@code {name}} matches one path segment, read with {@code
 *     request.param("name")}
 * @param handler answers the request
 */
public record Route(String method, String pattern, Handler handler) {

  /** Answers one request; a {@link Failure} it throws becomes the error body. */
  @FunctionalInterface
  public interface Handler {
    /** Serves one request. */
    Reply handle(Request request);
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
