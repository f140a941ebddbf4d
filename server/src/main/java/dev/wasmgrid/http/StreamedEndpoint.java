package dev.wasmgrid.http;

import dev.wasmgrid.errors.Failure;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * An {@link Endpoint} that can also read some bodies as they arrive rather than whole: a worker's
 * binary tiles, a few hundred megabytes each, then never sit in memory twice. {@link GridServer}
 * streams a body when it has a declared Content-Length within the limit and {@link #streams} says
 * so; other requests, and in-process calls, go through {@link #handle(String, byte[], Map)}.
 */
public interface StreamedEndpoint extends Endpoint {

  /** Whether a body of this Content-Type is read as it arrives. */
  boolean streams(String contentType);

  /**
   * Serves a body of exactly {@code length} bytes read from {@code body}, reserving from {@code
   * memory} what it holds of it (the elements of a product's operands) as it arrives.
   *
   * @throws Failure for a request that cannot be served
   * @throws IOException when reading the body fails
   */
  Reply handle(
      String contentType,
      InputStream body,
      long length,
      Map<String, String> query,
      BodyBudget.Lease memory)
      throws IOException;

  /**
   * As {@link #handle(String, InputStream, long, Map, BodyBudget.Lease)}, never throwing (see
   * {@link #serve}).
   */
  default Reply serve(
      String contentType,
      InputStream body,
      long length,
      Map<String, String> query,
      BodyBudget.Lease memory) {
    return guard(
        () -> {
          try {
            return handle(contentType, body, length, query, memory);
          } catch (IOException e) {
            throw new UncheckedIOException("reading the request body failed", e);
          }
        });
  }
}
