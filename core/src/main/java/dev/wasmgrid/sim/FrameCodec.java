package dev.wasmgrid.sim;

/**
 * The binary form of {@link SimFrame}s, little-endian, written by hand into {@code byte[]} (no
 * java.nio, so TeaVM compiles it): a 24-byte header — magic "WGSF", version, kind, two zero bytes,
 * tick (i64), entity count, food count (i32) — then {@value EntityTable#ROW_BYTES}-byte entity rows
 * (id i64, species u8, age i32, x, y, vx, vy, energy, max speed, view, view cosine, size,
 * aggression as f32), then 8-byte food rows (index, timer). The same bytes can travel between
 * threads, processes or browser workers.
 */
public final class FrameCodec {

  /** Rows that change owner. */
  public static final int MIGRATE = 1;

  /** Read-only copies of rows near a strip, valid for one tick. */
  public static final int GHOST = 2;

  static final int MAGIC = 0x46534757; // "WGSF" little-endian
  static final int VERSION = 1;
  static final int HEADER_BYTES = 24;
  private static final int FOOD_ROW_BYTES = 8;

  private FrameCodec() {}

  /** Encodes {@code rows[0..rowCount)} of {@code t} and the food entries given. */
  public static byte[] encode(
      int kind,
      long tick,
      EntityTable t,
      int[] rows,
      int rowCount,
      int[] foodIndex,
      int[] foodTimer,
      int foodCount) {
    if (kind != MIGRATE && kind != GHOST) {
      throw new IllegalArgumentException("kind must be MIGRATE or GHOST, got " + kind);
    }
    byte[] out =
        new byte[HEADER_BYTES + rowCount * EntityTable.ROW_BYTES + foodCount * FOOD_ROW_BYTES];
    int p = putInt(out, 0, MAGIC);
    out[p++] = (byte) VERSION;
    out[p++] = (byte) kind;
    p += 2;
    p = putLong(out, p, tick);
    p = putInt(out, p, rowCount);
    p = putInt(out, p, foodCount);
    for (int k = 0; k < rowCount; k++) {
      int i = rows[k];
      p = putLong(out, p, t.id[i]);
      out[p++] = t.species[i];
      p = putInt(out, p, t.age[i]);
      p = putFloat(out, p, t.x[i]);
      p = putFloat(out, p, t.y[i]);
      p = putFloat(out, p, t.vx[i]);
      p = putFloat(out, p, t.vy[i]);
      p = putFloat(out, p, t.energy[i]);
      p = putFloat(out, p, t.maxSpeed[i]);
      p = putFloat(out, p, t.view[i]);
      p = putFloat(out, p, t.viewCos[i]);
      p = putFloat(out, p, t.size[i]);
      p = putFloat(out, p, t.aggression[i]);
    }
    for (int k = 0; k < foodCount; k++) {
      p = putInt(out, p, foodIndex[k]);
      p = putInt(out, p, foodTimer[k]);
    }
    return out;
  }

  /**
   * Decodes a frame.
   *
   * @throws IllegalArgumentException if the bytes are not a frame of this version, or are shorter
   *     or longer than their header says
   */
  public static SimFrame decode(byte[] in) {
    return decode(in, null);
  }

  /**
   * Decodes a frame as {@link #decode(byte[])} does, into {@code into} (emptied first, grown as
   * needed; a new table when null), which becomes the frame's {@link SimFrame#entities()}: a
   * partition reads every frame of every tick into one table instead of allocating one per frame.
   */
  static SimFrame decode(byte[] in, EntityTable into) {
    if (in.length < HEADER_BYTES) {
      throw new IllegalArgumentException(
          "sim frame truncated: " + in.length + " bytes, header needs " + HEADER_BYTES);
    }
    if (getInt(in, 0) != MAGIC) {
      throw new IllegalArgumentException("not a sim frame: bad magic");
    }
    if (in[4] != VERSION) {
      throw new IllegalArgumentException("sim frame version must be " + VERSION + ", got " + in[4]);
    }
    int kind = in[5];
    if (kind != MIGRATE && kind != GHOST) {
      throw new IllegalArgumentException("sim frame kind must be 1 or 2, got " + kind);
    }
    long tick = getLong(in, 8);
    int rows = getInt(in, 16);
    int foods = getInt(in, 20);
    if (rows < 0 || foods < 0) {
      throw new IllegalArgumentException(
          "sim frame counts must be >= 0, got " + rows + " rows and " + foods + " foods");
    }
    long expected =
        HEADER_BYTES + (long) rows * EntityTable.ROW_BYTES + (long) foods * FOOD_ROW_BYTES;
    if (in.length != expected) {
      throw new IllegalArgumentException(
          "sim frame "
              + (in.length < expected ? "truncated" : "too long")
              + ": "
              + in.length
              + " bytes, header says "
              + expected);
    }
    EntityTable t = into == null ? new EntityTable(rows) : into;
    t.clear();
    int p = HEADER_BYTES;
    for (int k = 0; k < rows; k++) {
      t.append(
          getLong(in, p),
          in[p + 8],
          getInt(in, p + 9),
          getFloat(in, p + 13),
          getFloat(in, p + 17),
          getFloat(in, p + 21),
          getFloat(in, p + 25),
          getFloat(in, p + 29),
          getFloat(in, p + 33),
          getFloat(in, p + 37),
          getFloat(in, p + 41),
          getFloat(in, p + 45),
          getFloat(in, p + 49));
      p += EntityTable.ROW_BYTES;
    }
    int[] index = new int[foods];
    int[] timer = new int[foods];
    for (int k = 0; k < foods; k++) {
      index[k] = getInt(in, p);
      timer[k] = getInt(in, p + 4);
      p += FOOD_ROW_BYTES;
    }
    return new SimFrame(kind, tick, t, index, timer);
  }

  private static int putInt(byte[] b, int p, int v) {
    b[p] = (byte) v;
    b[p + 1] = (byte) (v >>> 8);
    b[p + 2] = (byte) (v >>> 16);
    b[p + 3] = (byte) (v >>> 24);
    return p + 4;
  }

  private static int putLong(byte[] b, int p, long v) {
    putInt(b, p, (int) v);
    return putInt(b, p + 4, (int) (v >>> 32));
  }

  private static int putFloat(byte[] b, int p, float v) {
    return putInt(b, p, Float.floatToRawIntBits(v));
  }

  private static int getInt(byte[] b, int p) {
    return (b[p] & 0xff)
        | (b[p + 1] & 0xff) << 8
        | (b[p + 2] & 0xff) << 16
        | (b[p + 3] & 0xff) << 24;
  }

  private static long getLong(byte[] b, int p) {
    return (getInt(b, p) & 0xffffffffL) | (long) getInt(b, p + 4) << 32;
  }

  private static float getFloat(byte[] b, int p) {
    return Float.intBitsToFloat(getInt(b, p));
  }
}
