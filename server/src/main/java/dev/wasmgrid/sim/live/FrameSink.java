package dev.wasmgrid.sim.live;

import io.helidon.common.buffers.BufferData;
import io.helidon.websocket.WsCloseCodes;
import io.helidon.websocket.WsSession;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * One WebSocket client's frames. The simulation loop never waits for a client: it leaves its newest
 * frame in a single slot, and this sink's own virtual thread sends whatever is there. A client
 * slower than the frame rate gets the newest frame when it is ready again; the frames in between
 * are dropped (counted), never queued, so a slow client costs one frame of memory.
 */
final class FrameSink {
  private final WsSession session;
  private final Consumer<FrameSink> onGone;
  private final AtomicReference<byte[]> slot = new AtomicReference<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final Thread sender;

  /**
   * @param onGone told once when the client is gone (send failed or closed)
   */
  FrameSink(WsSession session, Consumer<FrameSink> onGone) {
    this.session = session;
    this.onGone = onGone;
    this.sender = Thread.ofVirtual().name("sim-frames").start(this::send);
  }

  /** Leaves {@code frame} for the sender, replacing (dropping) one it has not sent yet. */
  void offer(byte[] frame) {
    if (slot.getAndSet(frame) != null) {
      dropped.incrementAndGet();
    }
    LockSupport.unpark(sender);
  }

  long sent() {
    return sent.get();
  }

  long dropped() {
    return dropped.get();
  }

  /** Stops sending; closes the socket with {@code reason} unless the client went first. */
  void close(String reason) {
    if (closed.compareAndSet(false, true)) {
      LockSupport.unpark(sender);
      try {
        session.close(WsCloseCodes.NORMAL_CLOSE, reason);
      } catch (RuntimeException e) {
        // The client is gone already; nothing to tell it.
      }
    }
  }

  /** The client closed its end. */
  void gone() {
    closed.set(true);
    LockSupport.unpark(sender);
  }

  private void send() {
    try {
      while (!closed.get()) {
        byte[] frame = slot.getAndSet(null);
        if (frame == null) {
          LockSupport.park(this);
          continue;
        }
        session.send(BufferData.create(frame), true);
        sent.incrementAndGet();
      }
    } catch (RuntimeException e) {
      // A failed write means the client went away; its socket is closed by the server.
      closed.set(true);
    }
    onGone.accept(this);
  }
}
