package dev.wasmgrid.cli.network;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;

/**
 * A TCP relay on loopback to a host in another namespace that adds what this kernel's qdiscs cannot
 * ({@code netem} is missing): a fixed delay each way, and lost connections. Every chunk read is
 * queued with the time it is due and written then, so the delay is latency, not a bandwidth cap;
 * the queue is bounded, so a slow reader still slows the sender. The connections {@code reset}
 * selects (numbered from 0 in the order accepted) are reset on both sides once they have carried
 * {@code resetAfterBytes} towards the target: the peer sees a connection reset mid-request.
 */
final class DelayRelay implements AutoCloseable {
  private static final int CHUNK_BYTES = 64 << 10;
  private static final int QUEUED_CHUNKS = 64;
  private static final byte[] END = new byte[0];

  /** Bytes read, and when they are due at the other side. */
  private static final class Chunk {
    final long due;
    final byte[] bytes;

    Chunk(long due, byte[] bytes) {
      this.due = due;
      this.bytes = bytes;
    }
  }

  private final ServerSocket server;
  private final InetSocketAddress target;
  private final long delayNanos;
  private final IntPredicate reset;
  private final long resetAfterBytes;
  private final AtomicInteger accepted = new AtomicInteger();
  private final AtomicInteger resets = new AtomicInteger();
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();

  private DelayRelay(
      InetSocketAddress target, Duration delay, IntPredicate reset, long resetAfterBytes)
      throws IOException {
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.target = target;
    this.delayNanos = delay.toNanos();
    this.reset = reset;
    this.resetAfterBytes = resetAfterBytes;
  }

  /** Starts relaying from a free loopback port to {@code target}. */
  static DelayRelay start(
      InetSocketAddress target, Duration delay, IntPredicate reset, long resetAfterBytes)
      throws IOException {
    DelayRelay relay = new DelayRelay(target, delay, reset, resetAfterBytes);
    daemon("relay-accept", relay::acceptLoop);
    return relay;
  }

  /** The loopback port it listens on. */
  int port() {
    return server.getLocalPort();
  }

  /** Connections it has reset so far. */
  int resets() {
    return resets.get();
  }

  /** Connections accepted so far. */
  int connections() {
    return accepted.get();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException closed) {
        return;
      }
      int number = accepted.getAndIncrement();
      daemon("relay-connect-" + number, () -> relay(client, reset.test(number)));
    }
  }

  private void relay(Socket client, boolean resetThis) {
    open.add(client);
    Socket upstream = new Socket();
    open.add(upstream);
    try {
      upstream.connect(target, 5000);
      client.setTcpNoDelay(true);
      upstream.setTcpNoDelay(true);
    } catch (IOException e) {
      closeBoth(client, upstream, false);
      return;
    }
    // Both sockets close once both directions have ended.
    AtomicInteger directions = new AtomicInteger(2);
    Runnable ended =
        () -> {
          if (directions.decrementAndGet() == 0) {
            closeBoth(client, upstream, false);
          }
        };
    pump(client, upstream, resetThis ? resetAfterBytes : Long.MAX_VALUE, ended);
    pump(upstream, client, Long.MAX_VALUE, ended);
  }

  /**
   * Copies {@code from} to {@code to} with the delay, then runs {@code ended}; resets both after
   * {@code resetAt} bytes.
   */
  private void pump(Socket from, Socket to, long resetAt, Runnable ended) {
    BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(QUEUED_CHUNKS);
    daemon(
        "relay-read",
        () -> {
          try {
            // Not closed here: closing a socket's stream closes the socket, both directions.
            InputStream in = from.getInputStream();
            byte[] buffer = new byte[CHUNK_BYTES];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
              queue.put(new Chunk(System.nanoTime() + delayNanos, Arrays.copyOf(buffer, n)));
            }
            queue.put(new Chunk(System.nanoTime() + delayNanos, END));
          } catch (IOException | InterruptedException e) {
            closeBoth(from, to, false);
          }
        });
    daemon(
        "relay-write",
        () -> {
          long written = 0;
          try {
            OutputStream out = to.getOutputStream();
            while (true) {
              Chunk chunk = queue.take();
              // The wait is the link's latency being emulated: each chunk leaves when it is due.
              TimeUnit.NANOSECONDS.sleep(chunk.due - System.nanoTime());
              if (chunk.bytes == END) {
                to.shutdownOutput();
                ended.run();
                return;
              }
              int n = (int) Math.min(chunk.bytes.length, resetAt - written);
              out.write(chunk.bytes, 0, n);
              written += n;
              if (written >= resetAt) {
                resets.incrementAndGet();
                closeBoth(from, to, true);
                return;
              }
            }
          } catch (IOException | InterruptedException e) {
            closeBoth(from, to, false);
          }
        });
  }

  private void closeBoth(Socket a, Socket b, boolean withReset) {
    for (Socket socket : new Socket[] {a, b}) {
      try {
        if (withReset && !socket.isClosed()) {
          // Linger 0: close sends RST instead of FIN.
          socket.setSoLinger(true, 0);
        }
        socket.close();
      } catch (IOException alreadyGone) {
        // Closing is all that is left to do with it.
      }
      open.remove(socket);
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket socket : open) {
      socket.close();
    }
  }

  private static void daemon(String name, Runnable task) {
    Thread.ofPlatform().daemon().name(name).start(task);
  }
}
