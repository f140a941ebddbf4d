package dev.wasmgrid.grid;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Bounds an upload the way a read timeout bounds an answer: a socket's write has no timeout, so a
 * peer that stops reading (a frozen process, a cut link) would block the writer for as long as the
 * kernel keeps the connection, minutes or forever. The guard's stream writes in pieces and notes
 * each one; a watcher closes the socket when no piece went out for the timeout, which makes the
 * blocked write throw.
 */
final class UploadGuard implements AutoCloseable {
  /** Writes go out in pieces this large, so a slow but moving link shows progress often. */
  private static final int PIECE_BYTES = 64 << 10;

  private final Socket socket;
  private final long timeoutNanos;
  private final Thread watcher;
  private volatile long lastProgress = System.nanoTime();
  private volatile boolean finished;
  private volatile boolean tripped;

  /** Starts watching {@code socket}: it is closed once writes stall for {@code timeout}. */
  UploadGuard(Socket socket, Duration timeout) {
    this.socket = socket;
    this.timeoutNanos = Math.max(1, timeout.toNanos());
    this.watcher = Thread.ofVirtual().name("upload-guard").start(this::watch);
  }

  /** {@code out}, counted as progress, with a stall reported as the timeout it is. */
  OutputStream wrap(OutputStream out) {
    return new FilterOutputStream(out) {
      @Override
      public void write(byte[] bytes, int offset, int length) throws IOException {
        for (int at = offset, end = offset + length; at < end; at += PIECE_BYTES) {
          int piece = Math.min(PIECE_BYTES, end - at);
          try {
            out.write(bytes, at, piece);
          } catch (SocketException e) {
            throw tripped ? stalled(e) : e;
          }
          lastProgress = System.nanoTime();
        }
      }

      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }
    };
  }

  private IOException stalled(SocketException cause) {
    return new IOException(
        "the upload stalled: the peer read nothing for "
            + TimeUnit.NANOSECONDS.toMillis(timeoutNanos)
            + " ms",
        cause);
  }

  private void watch() {
    try {
      while (!finished) {
        long idle = System.nanoTime() - lastProgress;
        if (idle >= timeoutNanos) {
          tripped = true;
          socket.close();
          return;
        }
        TimeUnit.NANOSECONDS.sleep(timeoutNanos - idle);
      }
    } catch (InterruptedException e) {
      // close() interrupts a watcher whose upload is over.
    } catch (IOException e) {
      // A socket that fails to close is already unusable to the writer.
    }
  }

  /** Stops watching: the upload is over (the answer has a read timeout of its own). */
  @Override
  public void close() {
    finished = true;
    watcher.interrupt();
  }
}
