package dev.wasmgrid.http;

import java.time.Duration;

/**
 * How long a server waits on a client: in the middle of a request, and between requests. A stalled
 * request is answered 408 and its connection closed, so that clients that stop sending cannot hold
 * request slots or connections for ever.
 *
 * @param headers longest a request's headers may take to arrive once its request line has; 408
 *     {@code header_timeout} after it
 * @param body longest the server waits for the next byte of a request body it is reading; 408
 *     {@code body_timeout} after it
 * @param idle longest a connection stays open without a request, a request line still arriving
 *     included
 */
public record ReadTimeouts(Duration headers, Duration body, Duration idle) {

  /** 10 s for headers, 30 s without a byte of the body, 5 minutes idle. */
  public static final ReadTimeouts DEFAULTS =
      new ReadTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(5));

  public ReadTimeouts {
    if (headers.compareTo(Duration.ofMillis(1)) < 0
        || body.compareTo(Duration.ofMillis(1)) < 0
        || idle.compareTo(Duration.ofMillis(1)) < 0) {
      throw new IllegalArgumentException(
          "timeouts must be at least 1 ms: headers=" + headers + " body=" + body + " idle=" + idle);
    }
  }
}
