package dev.wasmgrid.bench.chaos;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A TCP relay standing for the network link between the coordinator and one worker, which the chaos
 * run can break: {@link #cut} resets every connection and refuses new ones (a link down), {@link
 * #stall} keeps connections open but moves no byte (a black hole: the worst case, since only
 * timeouts notice it), {@link #heal} restores it.
 */
final class LinkRelay implements AutoCloseable {
  private enum State {
    UP,
    STALLED,
    CUT
  }

  private final ServerSocket server;
  private final int target;
  private final List<Socket> open = new ArrayList<>();
  private final Object lock = new Object();
  private State state = State.UP;

  /** Listens on a free loopback port and relays to {@code targetPort} on loopback. */
  LinkRelay(int targetPort) throws IOException {
    this.server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    this.target = targetPort;
    Thread.ofVirtual().name("relay-" + targetPort).start(this::accept);
  }

  /** The port the coordinator is told the worker is on. */
  int port() {
    return server.getLocalPort();
  }

  /** The link goes down: connections reset, new ones closed at once. */
  void cut() {
    synchronized (lock) {
      state = State.CUT;
      closeAll();
    }
  }

  /** The link stays up but carries nothing, until {@link #heal} or {@link #cut}. */
  void stall() {
    synchronized (lock) {
      state = State.STALLED;
    }
  }

  /** The link works again; stalled connections carry on. */
  void heal() {
    synchronized (lock) {
      state = State.UP;
      lock.notifyAll();
    }
  }

  private void accept() {
    try {
      while (true) {
        Socket client = server.accept();
        synchronized (lock) {
          if (state == State.CUT) {
            client.setSoLinger(true, 0); // a reset, as from a dead link's far end
            client.close();
            continue;
          }
        }
        Thread.ofVirtual().start(() -> connect(client));
      }
    } catch (IOException e) {
      // closed: the run is over
    }
  }

  private void connect(Socket client) {
    try {
      Socket worker = new Socket(InetAddress.getLoopbackAddress(), target);
      client.setTcpNoDelay(true);
      worker.setTcpNoDelay(true);
      synchronized (lock) {
        open.add(client);
        open.add(worker);
      }
      Thread.ofVirtual().start(() -> pump(client, worker));
      pump(worker, client);
    } catch (IOException e) {
      close(client); // the worker is down: the coordinator sees the connection close
    }
  }

  /** Copies {@code from} to {@code to} while the link carries bytes; closes both at the end. */
  private void pump(Socket from, Socket to) {
    byte[] buffer = new byte[64 << 10];
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        awaitCarrying();
        out.write(buffer, 0, n);
      }
    } catch (IOException e) {
      // one side closed or reset: close the other
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      close(from);
      close(to);
    }
  }

  private void awaitCarrying() throws InterruptedException, IOException {
    synchronized (lock) {
      while (state == State.STALLED) {
        lock.wait();
      }
      if (state == State.CUT) {
        throw new IOException("link cut");
      }
    }
  }

  private void closeAll() {
    List<Socket> all = new ArrayList<>(open);
    open.clear();
    for (Socket socket : all) {
      try {
        socket.setSoLinger(true, 0);
      } catch (IOException e) {
        // already closed
      }
      close(socket);
    }
  }

  private void close(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // nothing left to release
    }
    synchronized (lock) {
      open.remove(socket);
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    synchronized (lock) {
      state = State.CUT;
      closeAll();
      lock.notifyAll();
    }
  }
}
