package dev.wasmgrid.http;

import io.helidon.common.uri.UriQuery;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.ServerResponseTrailers;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.OutputStream;
import java.util.function.UnaryOperator;

/**
 * The answer to a {@code HEAD} request: what the {@code GET} handler writes, with the status and
 * headers a {@code GET} would get (its {@code Content-Length} included) but no body. Helidon leaves
 * {@code HEAD} to the application, so the server hands this to a {@code GET} handler in place of
 * the real response.
 */
public final class HeadResponse implements ServerResponse {
  private static final byte[] NO_BODY = new byte[0];

  private final ServerResponse response;

  private HeadResponse(ServerResponse response) {
    this.response = response;
  }

  /** {@code res} itself for any method but {@code HEAD}; for {@code HEAD}, a body-less view. */
  public static ServerResponse of(ServerRequest req, ServerResponse res) {
    return isHead(req) && !(res instanceof HeadResponse) ? new HeadResponse(res) : res;
  }

  /** Whether the request is a {@code HEAD}: a route that streams checks this before streaming. */
  public static boolean isHead(ServerRequest req) {
    return req.prologue().method().equals(Method.HEAD);
  }

  @Override
  public ServerResponse status(Status status) {
    response.status(status);
    return this;
  }

  @Override
  public Status status() {
    return response.status();
  }

  @Override
  public ServerResponse header(io.helidon.http.Header header) {
    response.header(header);
    return this;
  }

  @Override
  public void send() {
    response.send();
  }

  @Override
  public void send(byte[] entity) {
    send(entity, 0, entity.length);
  }

  @Override
  public void send(byte[] entity, int position, int length) {
    sendHeaders(length);
  }

  @Override
  public void send(Object entity) {
    throw new UnsupportedOperationException(
        "a HEAD answer is written with send(byte[]) or outputStream(), not as an entity object");
  }

  @Override
  public boolean isSent() {
    return response.isSent();
  }

  /** Counts what the {@code GET} handler writes and drops it; closing it sends the headers. */
  @Override
  public OutputStream outputStream() {
    return new OutputStream() {
      private long length;
      private boolean closed;

      @Override
      public void write(int b) {
        length++;
      }

      @Override
      public void write(byte[] b, int off, int len) {
        length += len;
      }

      @Override
      public void close() {
        if (!closed) {
          closed = true;
          sendHeaders(length);
        }
      }
    };
  }

  /** Sends the headers with the {@code Content-Length} the body would have, unless already set. */
  private void sendHeaders(long length) {
    if (!response.headers().contains(HeaderNames.CONTENT_LENGTH)) {
      response.header(HeaderNames.CONTENT_LENGTH, Long.toString(length));
    }
    // Helidon keeps a Content-Length that is set and writes only what it is given: none here.
    response.send(NO_BODY);
  }

  @Override
  public long bytesWritten() {
    return response.bytesWritten();
  }

  @Override
  public ServerResponse whenSent(Runnable listener) {
    response.whenSent(listener);
    return this;
  }

  @Override
  public ServerResponse reroute(String path) {
    response.reroute(path);
    return this;
  }

  @Override
  public ServerResponse reroute(String path, UriQuery query) {
    response.reroute(path, query);
    return this;
  }

  @Override
  public ServerResponse next() {
    response.next();
    return this;
  }

  @Override
  public ServerResponseHeaders headers() {
    return response.headers();
  }

  @Override
  public ServerResponseTrailers trailers() {
    return response.trailers();
  }

  @Override
  public void streamResult(String result) {
    response.streamResult(result);
  }

  @Override
  public void streamFilter(UnaryOperator<OutputStream> filter) {
    response.streamFilter(filter);
  }
}
