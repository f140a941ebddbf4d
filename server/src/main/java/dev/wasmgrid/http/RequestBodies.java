package dev.wasmgrid.http;

import io.helidon.webserver.http.ServerRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Reads request bodies without ever holding more than the configured limit in memory. */
final class RequestBodies {
  private RequestBodies() {}

  static byte[] read(ServerRequest request, long limit) {
    long declared =
        request.headers().contentLength().orElse(-1L); // absent for chunked bodies: checked below
    if (declared > limit) {
      throw tooLarge("request body of " + declared + " bytes", limit);
    }
    if (!request.content().hasEntity()) {
      return new byte[0];
    }
    try (InputStream in = request.content().inputStream()) {
      byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
      if (body.length > limit) {
        throw tooLarge("request body", limit);
      }
      return body;
    } catch (IOException e) {
      throw new UncheckedIOException("reading the request body failed", e);
    }
  }

  private static ApiError tooLarge(String what, long limit) {
    return ApiError.tooLarge(
        "body_too_large", "", what + " is over the limit of " + limit + " bytes (--max-body)");
  }
}
