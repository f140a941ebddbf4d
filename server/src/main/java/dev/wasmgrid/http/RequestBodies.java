package dev.wasmgrid.http;

import dev.wasmgrid.errors.Failure;
import io.helidon.webserver.http.ServerRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;

/** Reads request bodies without ever holding more than the configured limit in memory. */
final class RequestBodies {
  /** The largest byte array a JVM reliably allocates. */
  private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

  /** The first buffer of a body with a Content-Length; it doubles as bytes arrive. */
  private static final int FIRST_BUFFER = 64 << 10;

  private RequestBodies() {}

  /**
   * The body's declared Content-Length, or -1 when it has none (a chunked body).
   *
   * @param flag the option that sets {@code limit}, for the error message
   * @throws Failure 413 {@code body_too_large} when it is over {@code limit}, or over what all
   *     bodies may hold at once (it would never fit)
   */
  static long declaredLength(ServerRequest request, long limit, String flag) {
    long declared = request.headers().contentLength().orElse(-1L);
    if (declared > limit || declared > MAX_ARRAY) {
      throw tooLarge("request body of " + declared + " bytes", Math.min(limit, MAX_ARRAY), flag);
    }
    long budget = lease(request).capacity();
    if (declared > budget) {
      throw tooLarge("request body of " + declared + " bytes", budget, BodyBudget.FLAG);
    }
    return declared;
  }

  /**
   * Reads a body of at most {@code limit} bytes; {@code flag} is the option that sets it. The body
   * takes its memory from the server's {@link BodyBudget} as it grows.
   */
  static byte[] read(ServerRequest request, long limit, String flag) {
    long declared = declaredLength(request, limit, flag); // -1 for chunked: checked below
    if (!request.content().hasEntity()) {
      return new byte[0];
    }
    BodyBudget.Lease memory = lease(request);
    try (InputStream in = open(request, declared)) {
      if (declared >= 0) {
        byte[] body = readGrowing(in, declared, memory);
        if (body.length < declared) {
          throw Failure.invalid(
              "truncated_body",
              "",
              "the body ended after " + body.length + " of its " + declared + " bytes");
        }
        return body;
      }
      byte[] body = readGrowing(in, Math.min(MAX_ARRAY, limit + 1), memory);
      if (body.length > limit) {
        throw tooLarge("request body", limit, flag);
      }
      return body;
    } catch (IOException e) {
      throw new UncheckedIOException("reading the request body failed", e);
    }
  }

  /**
   * The request's share of the server's {@link BodyBudget}, which {@link GridServer} gives every
   * request.
   */
  static BodyBudget.Lease lease(ServerRequest request) {
    return request
        .context()
        .get(BodyBudget.Lease.class)
        .orElseThrow(() -> new IllegalStateException("a request without a body budget lease"));
  }

  /**
   * Reads at most {@code most} bytes, until the stream ends, into a buffer that grows as they
   * arrive, reserving each growth from {@code memory}: a client which declares a large body and
   * sends little of it holds little memory, where an exact buffer allocated up front let idle
   * connections exhaust the heap. The last doubling stops at {@code most}, so a body of a declared
   * length that fills its buffer is returned without a copy.
   */
  private static byte[] readGrowing(InputStream in, long most, BodyBudget.Lease memory)
      throws IOException {
    byte[] body = new byte[0];
    int read = 0;
    while (read < most) {
      if (read == body.length) {
        int size = (int) Math.min(most, Math.max(FIRST_BUFFER, 2L * body.length));
        memory.reserve(size - body.length);
        body = Arrays.copyOf(body, size);
      }
      int n = in.read(body, read, body.length - read);
      if (n < 0) {
        break;
      }
      read += n;
    }
    return read == body.length ? body : Arrays.copyOf(body, read);
  }

  /**
   * The body as it arrives, {@code declared} bytes long (-1 when chunked); reading it throws {@link
   * Failure} 400 when the client sends less than it declared or breaks the chunked framing.
   */
  static InputStream open(ServerRequest request, long declared) {
    return new BodyStream(
        request.content().inputStream(),
        declared,
        request.prologue().method().text() + " " + request.path().path(),
        ClientWait.of(request));
  }

  private static Failure tooLarge(String what, long limit, String flag) {
    return Failure.tooLarge(
        "body_too_large", "", what + " is over the limit of " + limit + " bytes (" + flag + ")");
  }
}
