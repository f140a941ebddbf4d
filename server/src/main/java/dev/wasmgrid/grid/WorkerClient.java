package dev.wasmgrid.grid;

import dev.wasmgrid.http.Reply;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;

/** The transport seam between the coordinator and one worker, in-process or over HTTP. */
public interface WorkerClient {

  /** Where the worker is, for logs and errors (a URL, or {@code in-process}). */
  String name();

  /**
   * Sends one request to a worker route and returns its answer, errors included.
   *
   * @throws IOException when the worker cannot be reached or does not answer in time
   */
  Reply call(String path, String contentType, byte[] body) throws IOException;

  /** A request body written straight to the connection, for operands too large to copy. */
  interface Body {
    /** Its exact length in bytes, sent as Content-Length. */
    long length();

    /** Writes exactly {@link #length()} bytes. */
    void writeTo(OutputStream out) throws IOException;

    /** A body already in memory. */
    static Body of(byte[] bytes) {
      return new Body() {
        @Override
        public long length() {
          return bytes.length;
        }

        @Override
        public void writeTo(OutputStream out) throws IOException {
          out.write(bytes);
        }
      };
    }
  }

  /**
   * As {@link #call(String, String, byte[])}, with a body written as it is sent. Clients without a
   * connection to stream to (the in-process worker) buffer it.
   */
  default Reply call(String path, String contentType, Body body) throws IOException {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream(Math.toIntExact(body.length()));
    body.writeTo(buffer);
    return call(path, contentType, buffer.toByteArray());
  }

  /** Takes a successful answer's body as it arrives, rather than as one array. */
  interface AnswerReader {
    /** Reads the body, {@code length} bytes of {@code contentType}, from {@code in}. */
    void read(String contentType, InputStream in, long length) throws IOException;
  }

  /**
   * As {@link #call(String, String, Body)}, handing a 200 answer's body to {@code reader} (a
   * worker's tile goes straight into C). Whatever {@code reader} throws is thrown from here. The
   * reply's own body is then not to be used. Clients that hold answers in memory hand over those
   * bytes.
   */
  default Reply call(String path, String contentType, Body body, AnswerReader reader)
      throws IOException {
    Reply reply = call(path, contentType, body);
    if (reply.status() == 200) {
      byte[] bytes = reply.body();
      reader.read(reply.contentType(), new ByteArrayInputStream(bytes), bytes.length);
    }
    return reply;
  }

  /**
   * Sends a request with any method to a worker, for routes that are not a {@code POST} of work
   * (such as {@code PUT /v1/modules/{name}}); {@code target} is the path with its query, if any,
   * and an empty body of a {@code GET} or {@code DELETE} is sent as none. Clients that reach no
   * HTTP server (the in-process worker) cannot.
   *
   * @throws IOException when the worker cannot be reached or does not answer in time, or the client
   *     has no way to send such a request
   */
  default Reply exchange(String method, String target, String contentType, byte[] body)
      throws IOException {
    if (method.equals("POST")) {
      return call(target, contentType, body);
    }
    throw new IOException(name() + " cannot serve " + method + " " + target);
  }

  /**
   * As {@link #exchange(String, String, String, byte[])}, with the worker allowed {@code timeout}
   * rather than this client's own (a short one for a listing asked of every worker at once).
   */
  default Reply exchange(
      String method, String target, String contentType, byte[] body, Duration timeout)
      throws IOException {
    return exchange(method, target, contentType, body);
  }

  /**
   * As {@link #call(String, String, byte[])}, with a 200 answer of server-sent events handed back
   * as it arrives: a streamed reply of no declared length that holds the worker's connection until
   * it is written out ({@link Reply#writeTo}); whoever takes it must write it. A writer that fails
   * to write closes the connection, and the worker's next event then fails and stops its work.
   */
  default Reply stream(String path, String contentType, byte[] body) throws IOException {
    return call(path, contentType, body);
  }

  /**
   * Whether the worker says it can take work ({@code GET /health/ready} answers 200 within {@code
   * timeout}). Used to bring a worker that was marked down back into the pool; a client that has no
   * way to ask reports ready.
   */
  default boolean ready(Duration timeout) {
    return true;
  }

  /**
   * Whether the worker accepts this client's token on a guarded route within {@code timeout}: asked
   * of a worker that refused it, since the readiness probe needs no token. A client that has no way
   * to ask reports accepted.
   */
  default boolean acceptsToken(Duration timeout) {
    return true;
  }
}
