package dev.wasmgrid.http;

import io.helidon.common.buffers.DataReader;
import io.helidon.http.RequestException;
import io.helidon.webserver.ServerConnectionException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.slf4j.LoggerFactory;

/**
 * A request body as it arrives, whose transport failures are the client's errors: a body that ends
 * before its Content-Length (the client sent less, or went away) is 400 {@code truncated_body}, a
 * chunked body with broken framing 400 {@code bad_http}. Helidon reports both as unchecked
 * exceptions of its own, which would otherwise be answered 500 with a stack trace in the log.
 */
final class BodyStream extends FilterInputStream {
  private final long declared;
  private final String request;
  private long received;
  private ApiError failure;

  /**
   * @param declared the Content-Length, or -1 for a chunked body
   * @param request the method and path, for the log line
   */
  BodyStream(InputStream in, long declared, String request) {
    super(in);
    this.declared = declared;
    this.request = request;
  }

  @Override
  public int read() throws IOException {
    try {
      int b = super.read();
      if (b >= 0) {
        received++;
      }
      return b;
    } catch (RuntimeException e) {
      throw failed(e);
    }
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    try {
      int n = super.read(buffer, offset, length);
      if (n > 0) {
        received += n;
      }
      return n;
    } catch (RuntimeException e) {
      throw failed(e);
    }
  }

  @Override
  public long skip(long n) throws IOException {
    try {
      long skipped = super.skip(n);
      received += skipped;
      return skipped;
    } catch (RuntimeException e) {
      throw failed(e);
    }
  }

  @Override
  public void close() throws IOException {
    try {
      // Helidon reads what is left of the body here, so a short one fails here too.
      super.close();
    } catch (RuntimeException e) {
      if (failure == null) {
        throw failed(e);
      }
      // Already answered with the first failure.
    }
  }

  /** The client's error for a failure reading the body; anything else is ours and goes on. */
  private RuntimeException failed(RuntimeException e) {
    if (failure != null) {
      return failure;
    }
    ApiError error;
    // The client closed its side early (insufficient data), or its connection broke (reset).
    if (e instanceof DataReader.InsufficientDataAvailableException
        || e instanceof ServerConnectionException
        || e instanceof UncheckedIOException) {
      error =
          ApiError.badRequest(
              "truncated_body",
              "",
              declared >= 0
                  ? "the body ended after " + received + " of its " + declared + " bytes"
                  : "the chunked body ended after " + received + " bytes, before its last chunk");
    } else if (declared < 0 && e instanceof NumberFormatException) {
      error =
          ApiError.badRequest(
              "bad_http",
              "",
              "a chunk size of the body is not a hexadecimal number (after "
                  + received
                  + " bytes)");
    } else if (declared < 0
        && (e instanceof DataReader.IncorrectNewLineException || e instanceof RequestException)) {
      error =
          ApiError.badRequest(
              "bad_http",
              "",
              "the body's chunked framing is malformed (after " + received + " bytes)");
    } else {
      return e;
    }
    failure = error;
    LoggerFactory.getLogger(BodyStream.class)
        .info("{}: {} {}: {}", request, error.status(), error.code(), error.getMessage());
    return error;
  }
}
