package dev.wasmgrid.sim.worker;

import dev.wasmgrid.errors.Failure;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The body of every simulation-partition request and answer, little-endian: a 16-byte header —
 * magic "WGSB", version 1, three zero bytes, tick (i64) — then a count of i64 values and the
 * values, then a count of frames and each frame as its length (u32) and its bytes. A frame is a
 * {@link dev.wasmgrid.sim.FrameCodec} frame; length 0 stands for "no frame" (a partition sends none
 * to itself). What the values mean depends on the route (docs/api.md, "Simulation partitions").
 */
public final class PartitionMessage {

  /** The media type of a bundle. */
  public static final String MEDIA_TYPE = "application/octet-stream";

  /** The most values or frames one bundle may carry. */
  public static final int MAX_ENTRIES = 1 << 20;

  private static final int MAGIC = 0x42534757; // "WGSB" little-endian
  private static final int VERSION = 1;
  private static final int HEADER_BYTES = 16;

  private final long tick;
  private final long[] values;
  private final List<byte[]> frames;

  /**
   * @param tick the tick the request or answer belongs to
   * @param values route-specific numbers (configuration, strip bounds, column costs)
   * @param frames frames, {@code null} where there is none (shared, not copied)
   */
  public PartitionMessage(long tick, long[] values, List<byte[]> frames) {
    this.tick = tick;
    this.values = values.clone();
    this.frames = Collections.unmodifiableList(new ArrayList<>(frames));
  }

  /** The tick the request or answer belongs to. */
  public long tick() {
    return tick;
  }

  /** Frames, {@code null} where there is none. */
  public List<byte[]> frames() {
    return frames;
  }

  /** A bundle of values only. */
  public static PartitionMessage of(long tick, long... values) {
    return new PartitionMessage(tick, values, List.of());
  }

  /** A bundle of frames only. */
  public static PartitionMessage ofFrames(long tick, List<byte[]> frames) {
    return new PartitionMessage(tick, new long[0], frames);
  }

  /** The values (a copy). */
  public long[] values() {
    return values.clone();
  }

  /** The frames that are present, in order. */
  public List<byte[]> presentFrames() {
    return frames.stream().filter(f -> f != null).toList();
  }

  /** The bytes of this bundle. */
  public byte[] encode() {
    long size = HEADER_BYTES + 4 + 8L * values.length + 4;
    for (byte[] f : frames) {
      size += 4 + (f == null ? 0 : f.length);
    }
    if (size > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("a sim bundle is at most 2 GiB, this one is " + size);
    }
    ByteBuffer out = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
    out.putInt(MAGIC).put((byte) VERSION).put((byte) 0).putShort((short) 0).putLong(tick);
    out.putInt(values.length);
    for (long v : values) {
      out.putLong(v);
    }
    out.putInt(frames.size());
    for (byte[] f : frames) {
      out.putInt(f == null ? 0 : f.length);
      if (f != null) {
        out.put(f);
      }
    }
    return out.array();
  }

  /**
   * Reads a bundle.
   *
   * @throws Failure 400 {@code invalid_bundle} naming what is wrong
   */
  public static PartitionMessage decode(byte[] body) {
    ByteBuffer in = ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
    try {
      if (body.length < HEADER_BYTES || in.getInt() != MAGIC) {
        throw invalid("not a sim bundle: it starts with the 4 bytes \"WGSB\" and is >= 16 bytes");
      }
      int version = in.get();
      if (version != VERSION) {
        throw invalid("sim bundle version must be " + VERSION + ", got " + version);
      }
      in.position(8);
      long tick = in.getLong();
      int count = count(in, 8, "values");
      long[] values = new long[count];
      for (int i = 0; i < count; i++) {
        values[i] = in.getLong();
      }
      int frameCount = count(in, 4, "frames");
      List<byte[]> frames = new ArrayList<>(frameCount);
      for (int i = 0; i < frameCount; i++) {
        int length = in.getInt();
        if (length < 0 || length > in.remaining()) {
          throw invalid(
              "sim bundle frame "
                  + i
                  + " says "
                  + Integer.toUnsignedString(length)
                  + " bytes, "
                  + in.remaining()
                  + " remain");
        }
        frames.add(
            length == 0 ? null : Arrays.copyOfRange(body, in.position(), in.position() + length));
        in.position(in.position() + length);
      }
      if (in.hasRemaining()) {
        throw invalid("sim bundle has " + in.remaining() + " bytes after its last frame");
      }
      return new PartitionMessage(tick, values, frames);
    } catch (BufferUnderflowException e) {
      throw invalid("sim bundle truncated: " + body.length + " bytes");
    }
  }

  private static int count(ByteBuffer in, int minEntryBytes, String what) {
    int n = in.getInt();
    if (n < 0 || n > MAX_ENTRIES || (long) n * minEntryBytes > in.remaining()) {
      throw invalid(
          "sim bundle "
              + what
              + " count must be in [0, "
              + MAX_ENTRIES
              + "] and fit the body, got "
              + Integer.toUnsignedString(n));
    }
    return n;
  }

  private static Failure invalid(String message) {
    return Failure.invalid("invalid_bundle", "", message);
  }
}
