package dev.wasmgrid.http;

import io.helidon.http.HeaderValues;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;

/**
 * Closes the connection of a request answered before its body was read: an early rejection (401,
 * 413, 404, 503...) or a route that has no use for a body. Helidon would otherwise read the rest of
 * the body to keep the connection, for as long as the client took to send it, and a client that
 * never did held its connection and its request slot for ever. The answer says {@code Connection:
 * close}, so that a client can tell why.
 */
final class UnreadBodies implements Filter {
  /**
   * Bodies up to this size (the default {@code --max-body}, four times a module's limit) are read
   * to their end before the close, if they arrive in time: a client that writes its whole body
   * before reading would otherwise have its write reset and never read the answer.
   */
  static final long LINGER_BYTES = 64L << 20;

  /** How long a body's rest may take to arrive before the connection closes anyway. */
  static final Duration LINGER = Duration.ofSeconds(1);

  @Override
  public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
    res.beforeSend(
        () -> {
          if (unread(req)) {
            res.header(HeaderValues.CONNECTION_CLOSE);
          }
        });
    chain.proceed();
    if (res.isSent() && unread(req)) {
      linger(req);
      throw new CloseConnectionException("answered before the request body was read");
    }
  }

  /**
   * Reads and drops what is left of a body, for a moment, before the connection closes: a socket
   * closed with unread bytes sends a reset, which can reach the client before it has read the
   * answer (the JDK's client then saw "header parser received no bytes" instead of a 413). A client
   * that stalls, or a body too large to wait for, gets the close at once or after {@link #LINGER};
   * no request slot is held meanwhile.
   */
  private static void linger(ServerRequest req) {
    long declared = req.headers().contentLength().orElse(-1);
    if (declared < 0 || declared > LINGER_BYTES) {
      return;
    }
    Thread reader =
        Thread.ofVirtual()
            .name("unread-body")
            .start(
                () -> {
                  try (InputStream in = req.content().inputStream()) {
                    in.transferTo(OutputStream.nullOutputStream());
                  } catch (IOException | RuntimeException e) {
                    // The connection closes either way.
                  }
                });
    try {
      if (!reader.join(LINGER)) {
        reader.interrupt();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static boolean unread(ServerRequest req) {
    return req.content().hasEntity() && !req.content().consumed();
  }
}
