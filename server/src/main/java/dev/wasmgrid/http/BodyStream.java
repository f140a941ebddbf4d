package dev.wasmgrid.http;

import dev.wasmgrid.errors.Failure;
import io.helidon.common.buffers.DataReader;
import io.helidon.http.RequestException;
import io.helidon.webserver.ServerConnectionException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;
import org.slf4j.LoggerFactory;

/**
 * A request body as it arrives, whose transport failures are the client's errors: a body that ends
 * before its Content-Length (the client sent less, or went away) is 400 {@code truncated_body}, a
 * chunked body with broken framing 400 {@code bad_http}. Helidon reports both as unchecked
 * exceptions of its own, which would otherwise be answered 500 with a stack trace in the log. A
 * body whose client stops sending is 408 {@code body_timeout} (see {@link ReadDeadlines}).
 */
final class BodyStream extends FilterInputStream {
  private final long declared;
  private final String request;
  private final Optional<ClientWait> wait;
  private long received;
  private Failure failure;

  /**
   * @param declared the Content-Length, or -1 for a chunked body
   * @param request the method and path, for the log line
   * @param wait the connection's wait, which times every read (none when nothing watches it)
   */
  BodyStream(InputStream in, long declared, String request, Optional<ClientWait> wait) {
    super(in);
    this.declared = declared;
    this.request = request;
    this.wait = wait;
  }

  @Override
  public int read() throws IOException {
    int b = timed(super::read);
    if (b >= 0) {
      received++;
    }
    return b;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    int n = timed(() -> super.read(buffer, offset, length));
    if (n > 0) {
      received += n;
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    long skipped = timed(() -> super.skip(n));
    received += skipped;
    return skipped;
  }

  @Override
  public void close() throws IOException {
    Failure earlier = failure;
    try {
      // Helidon reads what is left of the body here, so a short one fails here too.
      timed(
          () -> {
            super.close();
            return 0;
          });
    } catch (Failure e) {
      if (e != earlier) {
        throw e;
      }
      // Already answered with the first failure.
    }
  }

  /** A read from the socket, which may wait for the client. */
  private interface Read<T> {
    T run() throws IOException;
  }

  /**
   * Runs {@code read} as a wait for the client: one that outlasts {@code --body-timeout} is
   * answered 408 {@code body_timeout} and its connection closed, which ends the read.
   */
  private <T> T timed(Read<T> read) throws IOException {
    if (failure != null && failure.kind() == Failure.Kind.CLIENT_TOO_SLOW) {
      throw failure;
    }
    wait.ifPresent(w -> w.begin(ClientWait.Phase.BODY));
    T result;
    try {
      result = read.run();
    } catch (RuntimeException e) {
      throw ended() ? failed(e) : timedOut();
    }
    if (!ended()) {
      throw timedOut();
    }
    return result;
  }

  private boolean ended() {
    return wait.map(ClientWait::end).orElse(true);
  }

  private Failure timedOut() {
    if (failure == null) {
      failure = wait.orElseThrow().error();
      LoggerFactory.getLogger(BodyStream.class)
          .info("{}: {} {}: {}", request, 408, failure.code(), failure.getMessage());
    }
    return failure;
  }

  /** The client's error for a failure reading the body; anything else is ours and goes on. */
  private RuntimeException failed(RuntimeException e) {
    if (failure != null) {
      return failure;
    }
    Failure error;
    // The client closed its side early (insufficient data), or its connection broke (reset).
    if (e instanceof DataReader.InsufficientDataAvailableException
        || e instanceof ServerConnectionException
        || e instanceof UncheckedIOException) {
      error =
          Failure.invalid(
              "truncated_body",
              "",
              declared >= 0
                  ? "the body ended after " + received + " of its " + declared + " bytes"
                  : "the chunked body ended after " + received + " bytes, before its last chunk");
    } else if (declared < 0 && e instanceof NumberFormatException) {
      error =
          Failure.invalid(
              "bad_http",
              "",
              "a chunk size of the body is not a hexadecimal number (after "
                  + received
                  + " bytes)");
    } else if (declared < 0
        && (e instanceof DataReader.IncorrectNewLineException || e instanceof RequestException)) {
      error =
          Failure.invalid(
              "bad_http",
              "",
              "the body's chunked framing is malformed (after " + received + " bytes)");
    } else {
      return e;
    }
    failure = error;
    LoggerFactory.getLogger(BodyStream.class)
        .info("{}: {} {}: {}", request, HttpStatuses.of(error), error.code(), error.getMessage());
    return error;
  }
}
