package dev.wasmgrid.llm.io;

import dev.wasmgrid.llm.ModelFormatException;
import java.nio.charset.StandardCharsets;

/**
 * Reads fields in order from a {@link ByteSource}, checking every read and every declared length
 * against the bytes that are left, so that a corrupt file fails with a {@link ModelFormatException}
 * naming the field instead of running out of memory or bounds.
 */
public final class ByteCursor {
  private final ByteSource source;
  private final String fileKind;
  private final byte[] scratch = new byte[8];
  private long pos;

  public ByteCursor(ByteSource source, String fileKind) {
    this.source = source;
    this.fileKind = fileKind;
  }

  /** The bytes this cursor reads. */
  public ByteSource source() {
    return source;
  }

  public long position() {
    return pos;
  }

  public void seek(long position) {
    if (position < 0 || position > source.size()) {
      throw new ModelFormatException(
          fileKind + ": offset " + position + " outside the file of " + source.size() + " bytes");
    }
    pos = position;
  }

  public long remaining() {
    return source.size() - pos;
  }

  /**
   * Checks that {@code count} items of at least {@code minBytes} each can still be in the file.
   *
   * @return {@code count} as an int
   */
  public int checkCount(long count, long minBytes, String field) {
    if (count < 0 || count > Integer.MAX_VALUE - 8 || count * minBytes > remaining()) {
      throw new ModelFormatException(
          fileKind
              + ": "
              + field
              + " declares "
              + Long.toUnsignedString(count)
              + " items but only "
              + remaining()
              + " bytes are left at offset "
              + pos);
    }
    return (int) count;
  }

  public void need(long n, String field) {
    if (n < 0 || n > remaining()) {
      throw new ModelFormatException(
          fileKind
              + ": truncated reading "
              + field
              + " at offset "
              + pos
              + " (needs "
              + n
              + " bytes, "
              + remaining()
              + " left)");
    }
  }

  public byte[] bytes(long n, String field) {
    need(n, field);
    byte[] b = new byte[(int) n];
    source.read(pos, b, 0, (int) n);
    pos += n;
    return b;
  }

  public int u8(String field) {
    fill(1, field);
    return scratch[0] & 0xff;
  }

  public short i16(String field) {
    fill(2, field);
    return LittleEndian.getShort(scratch, 0);
  }

  public int i32(String field) {
    fill(4, field);
    return LittleEndian.getInt(scratch, 0);
  }

  public long i64(String field) {
    fill(8, field);
    return LittleEndian.getLong(scratch, 0);
  }

  public float f32(String field) {
    return Float.intBitsToFloat(i32(field));
  }

  public double f64(String field) {
    return Double.longBitsToDouble(i64(field));
  }

  /** A UTF-8 string of {@code length} bytes. */
  public String string(long length, String field) {
    if (length < 0 || length > remaining()) {
      throw new ModelFormatException(
          fileKind
              + ": "
              + field
              + " declares a string of "
              + Long.toUnsignedString(length)
              + " bytes but only "
              + remaining()
              + " are left at offset "
              + pos);
    }
    return new String(bytes(length, field), StandardCharsets.UTF_8);
  }

  /** {@code count} floats. */
  public float[] floats(int count, String field) {
    need(4L * count, field);
    float[] out = new float[count];
    source.readFloats(pos, out, 0, count);
    pos += 4L * count;
    return out;
  }

  private void fill(int n, String field) {
    need(n, field);
    source.read(pos, scratch, 0, n);
    pos += n;
  }
}
