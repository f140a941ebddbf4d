package dev.wasmgrid.http;

import dev.wasmgrid.errors.Failure;
import io.helidon.common.buffers.BufferData;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http.ServerRequest;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One connection's wait for its client, while the server can do nothing until bytes arrive (the
 * rest of a request's headers, the next piece of its body): {@link ReadDeadlines} answers 408 and
 * closes the connection when a wait outlasts its timeout. Waits are begun and ended by the thread
 * that reads; only the deadline checker fires them.
 */
final class ClientWait {
  /** What the server waits for. */
  enum Phase {
    HEADERS,
    BODY
  }

  private static final long NOT_WAITING = Long.MIN_VALUE;
  private static final long FIRED = Long.MIN_VALUE + 1;

  private final ConnectionContext connection;
  private final ReadTimeouts timeouts;

  /** When the current wait began (System.nanoTime), or NOT_WAITING, or FIRED for good. */
  private final AtomicLong since = new AtomicLong(NOT_WAITING);

  private final CountDownLatch closed = new CountDownLatch(1);
  private volatile Phase phase = Phase.HEADERS;

  ClientWait(ConnectionContext connection, ReadTimeouts timeouts) {
    this.connection = connection;
    this.timeouts = timeouts;
  }

  /** Whether this is the wait of {@code connection}. */
  boolean serves(ConnectionContext connection) {
    return this.connection == connection;
  }

  /** The wait of the connection {@code req} came on, if {@link ReadDeadlines} watches it. */
  static Optional<ClientWait> of(ServerRequest req) {
    return req.context().get(ClientWait.class);
  }

  /** Starts waiting for {@code what}; a no-op once fired (the connection is closing). */
  void begin(Phase what) {
    long current = since.get();
    if (current == FIRED) {
      return;
    }
    phase = what;
    // Only the reading thread moves out of FIRED's way, so a failed set means it fired.
    since.compareAndSet(current, System.nanoTime());
  }

  /**
   * Ends the current wait.
   *
   * @return false when it timed out: the client has been answered 408, or is about to be, and the
   *     connection is closed once this returns, so the caller must not answer
   */
  boolean end() {
    long current = since.get();
    if (current != FIRED && since.compareAndSet(current, NOT_WAITING)) {
      return true;
    }
    awaitClosed();
    return false;
  }

  /** The error the wait that timed out is answered with. */
  Failure error() {
    return phase == Phase.HEADERS
        ? new Failure(
            Failure.Kind.CLIENT_TOO_SLOW,
            "header_timeout",
            "",
            "the request's headers did not all arrive within "
                + seconds(timeouts.headers())
                + " (--header-timeout)")
        : new Failure(
            Failure.Kind.CLIENT_TOO_SLOW,
            "body_timeout",
            "",
            "no byte of the request body arrived for "
                + seconds(timeouts.body())
                + " (--body-timeout)");
  }

  /** Fires the wait when it has outlasted its timeout at {@code now}; true when it did. */
  boolean expire(long now) {
    long began = since.get();
    if (began == NOT_WAITING || began == FIRED || now - began < limit(phase).toNanos()) {
      return false;
    }
    return since.compareAndSet(began, FIRED);
  }

  /** Whether the connection is gone, so that nothing need watch it any more. */
  boolean isClosed() {
    return closed.getCount() == 0 || !connection.serverSocket().isConnected();
  }

  /** Answers the client 408 with {@link #error()}, then closes the connection. */
  void answerAndClose() {
    try {
      connection.dataWriter().writeNow(BufferData.create(answer(error())));
    } catch (RuntimeException e) {
      // The client went away too; closing is all that is left.
    } finally {
      close();
    }
  }

  /** Closes the connection, which ends a read that still waits. */
  void close() {
    try {
      connection.serverSocket().close();
    } catch (RuntimeException e) {
      // Closed already.
    } finally {
      closed.countDown();
    }
  }

  private void awaitClosed() {
    try {
      // Bounded: the deadline checker closes a connection shortly after firing it.
      closed.await(ReadDeadlines.CLOSE_GRACE.toMillis() * 2, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private Duration limit(Phase what) {
    return what == Phase.HEADERS ? timeouts.headers() : timeouts.body();
  }

  /** The whole HTTP/1.1 answer, written straight to the socket: no response object is free. */
  private static byte[] answer(Failure error) {
    Reply reply = ErrorBodies.plain(error);
    byte[] body = reply.body();
    ByteArrayOutputStream out = new ByteArrayOutputStream(256 + body.length);
    out.writeBytes(
        ("HTTP/1.1 408 Request Timeout\r\nContent-Type: "
                + reply.contentType()
                + "\r\nContent-Length: "
                + body.length
                + "\r\nConnection: close\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(body);
    return out.toByteArray();
  }

  private static String seconds(Duration limit) {
    return BigDecimal.valueOf(limit.toMillis(), 3).stripTrailingZeros().toPlainString() + " s";
  }
}
