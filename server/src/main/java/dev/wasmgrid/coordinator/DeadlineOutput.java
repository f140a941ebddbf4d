package dev.wasmgrid.coordinator;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A socket's output that gives up on a peer gone silent: a write the kernel has not taken within
 * the timeout closes the socket and fails with {@link SocketTimeoutException}. {@link
 * Socket#setSoTimeout} bounds reads only; without this, a write to a peer whose link was cut blocks
 * once the send buffer is full, until TCP itself gives up (tcp_retries2: about 15 minutes). Writes
 * are passed on in pieces of at most {@value #PIECE_BYTES} bytes, so what must arrive within the
 * timeout is one piece, not a whole array: a slow link that still moves is not cut. One watchdog
 * task per stream checks the write in progress, and stops once the socket is closed.
 */
final class DeadlineOutput extends FilterOutputStream {
  private static final int PIECE_BYTES = 64 << 10;
  private static final long IDLE = Long.MIN_VALUE;

  private final Socket socket;
  private final long timeoutNanos;
  // System.nanoTime() when the write in progress began, or IDLE.
  private volatile long writingSince = IDLE;
  private volatile boolean expired;

  DeadlineOutput(Socket socket, long timeoutMillis) throws IOException {
    super(socket.getOutputStream());
    this.socket = socket;
    this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    watchAfter(timeoutNanos);
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    for (int done = 0; done < len; ) {
      int n = Math.min(PIECE_BYTES, len - done);
      writingSince = System.nanoTime();
      try {
        out.write(b, off + done, n);
      } catch (IOException e) {
        if (expired) {
          SocketTimeoutException timedOut =
              new SocketTimeoutException(
                  "the peer took nothing for "
                      + TimeUnit.NANOSECONDS.toMillis(timeoutNanos)
                      + " ms while the request was sent");
          timedOut.initCause(e);
          throw timedOut;
        }
        throw e;
      } finally {
        writingSince = IDLE;
      }
      done += n;
    }
  }

  private void watchAfter(long nanos) {
    CompletableFuture.delayedExecutor(nanos, TimeUnit.NANOSECONDS).execute(this::check);
  }

  private void check() {
    if (socket.isClosed()) {
      return;
    }
    long since = writingSince;
    long now = System.nanoTime();
    if (since != IDLE && now - since >= timeoutNanos) {
      expired = true;
      try {
        socket.close();
      } catch (IOException e) {
        // Closing is how the blocked write is ended; a failure to close leaves nothing to do.
      }
      return;
    }
    watchAfter(since == IDLE ? timeoutNanos : since + timeoutNanos - now);
  }
}
