package dev.wasmgrid.sim.live;

import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A JDK WebSocket client that decodes the viewer's frames as docs/api.md describes them. */
final class SimFrames implements WebSocket.Listener {

  /** One decoded frame (a class: its columns are arrays). */
  static final class Frame {
    private final boolean paused;
    private final long tick;
    private final int entities;
    private final int width;
    private final int height;
    private final int[] population;
    private final float[] partitionMs;
    private final int[] owned;
    private final int[] status;
    private final int[] left;
    private final int[] qx;
    private final int[] qy;
    private final byte[] species;

    Frame(
        boolean paused,
        long tick,
        int entities,
        int width,
        int height,
        int[] population,
        float[] partitionMs,
        int[] owned,
        int[] status,
        int[] left,
        int[] qx,
        int[] qy,
        byte[] species) {
      this.paused = paused;
      this.tick = tick;
      this.entities = entities;
      this.width = width;
      this.height = height;
      this.population = population;
      this.partitionMs = partitionMs;
      this.owned = owned;
      this.status = status;
      this.left = left;
      this.qx = qx;
      this.qy = qy;
      this.species = species;
    }

    boolean paused() {
      return paused;
    }

    long tick() {
      return tick;
    }

    int entities() {
      return entities;
    }

    int width() {
      return width;
    }

    int height() {
      return height;
    }

    int[] population() {
      return population;
    }

    /** Left edge of each partition's strip, quantized as x is (65536ths of the width). */
    int[] left() {
      return left;
    }

    float[] partitionMs() {
      return partitionMs;
    }

    int[] owned() {
      return owned;
    }

    int[] status() {
      return status;
    }

    int[] qx() {
      return qx;
    }

    int[] qy() {
      return qy;
    }

    byte[] species() {
      return species;
    }
  }

  final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
  final CompletableFuture<Integer> closed = new CompletableFuture<>();
  private ByteBuffer pending = ByteBuffer.allocate(0);

  @Override
  public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
    ByteBuffer joined = ByteBuffer.allocate(pending.remaining() + data.remaining());
    joined.put(pending).put(data).flip();
    pending = joined;
    if (last) {
      frames.add(decode(pending));
      pending = ByteBuffer.allocate(0);
    }
    ws.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
    closed.complete(status);
    return null;
  }

  @Override
  public void onError(WebSocket ws, Throwable error) {
    closed.completeExceptionally(error);
  }

  /** The next frame, or an assertion failure after 60 s. */
  Frame next() throws InterruptedException {
    Frame f = frames.poll(60, TimeUnit.SECONDS);
    if (f == null) {
      throw new AssertionError("no frame within 60 s");
    }
    return f;
  }

  static Frame decode(ByteBuffer in) {
    ByteBuffer b = in.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    if (b.getInt(0) != 0x56534757 || b.get(4) != 1) {
      throw new AssertionError("not a WGSV v1 frame");
    }
    int flags = b.get(5);
    int parts = b.getShort(6);
    long tick = b.getLong(8);
    int n = b.getInt(16);
    int species = b.getShort(40);
    int p = 44;
    int[] population = new int[species];
    for (int s = 0; s < species; s++, p += 4) {
      population[s] = b.getInt(p);
    }
    float[] ms = new float[parts];
    int[] owned = new int[parts];
    int[] status = new int[parts];
    int[] left = new int[parts];
    for (int i = 0; i < parts; i++, p += 12) {
      ms[i] = b.getFloat(p);
      owned[i] = b.getInt(p + 4);
      status[i] = b.get(p + 8);
      left[i] = Short.toUnsignedInt(b.getShort(p + 10));
    }
    int[] qx = new int[n];
    int[] qy = new int[n];
    for (int i = 0; i < n; i++, p += 4) {
      qx[i] = Short.toUnsignedInt(b.getShort(p));
      qy[i] = Short.toUnsignedInt(b.getShort(p + 2));
    }
    byte[] kinds = new byte[n];
    b.get(p, kinds);
    if (p + n != b.limit()) {
      throw new AssertionError("frame is " + b.limit() + " bytes, its header says " + (p + n));
    }
    return new Frame(
        (flags & 1) != 0,
        tick,
        n,
        b.getInt(20),
        b.getInt(24),
        population,
        ms,
        owned,
        status,
        left,
        qx,
        qy,
        kinds);
  }
}
