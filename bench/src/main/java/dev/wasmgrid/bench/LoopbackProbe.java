package dev.wasmgrid.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;

/**
 * The fastest this machine moves bytes between two sockets on loopback: one TCP stream, direct
 * buffers, no HTTP and no copies in Java. Whatever a distributed product must move costs at least
 * its bytes over this rate, which bounds the efficiency any protocol could reach here.
 */
final class LoopbackProbe {
  private static final int BUFFER = 4 << 20;

  private LoopbackProbe() {}

  /** Bytes per second for {@code total} bytes, best of {@code rounds} runs. */
  static double bytesPerSecond(long total, int rounds) throws IOException {
    double best = 0;
    try (ServerSocketChannel server =
        ServerSocketChannel.open()
            .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      for (int round = 0; round < rounds; round++) {
        CompletableFuture<Void> sink =
            CompletableFuture.runAsync(
                () -> {
                  try (SocketChannel in = server.accept()) {
                    ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER);
                    long left = total;
                    while (left > 0) {
                      buffer.clear();
                      int read = in.read(buffer);
                      if (read < 0) {
                        throw new IOException("the stream ended " + left + " bytes early");
                      }
                      left -= read;
                    }
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  }
                });
        long start = System.nanoTime();
        try (SocketChannel out = SocketChannel.open(server.getLocalAddress())) {
          ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER);
          for (long sent = 0; sent < total; ) {
            buffer.clear().limit((int) Math.min(BUFFER, total - sent));
            sent += out.write(buffer);
          }
        }
        sink.join();
        best = Math.max(best, total / ((System.nanoTime() - start) / 1e9));
      }
    }
    return best;
  }
}
