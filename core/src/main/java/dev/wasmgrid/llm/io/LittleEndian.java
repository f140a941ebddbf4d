package dev.wasmgrid.llm.io;

/** Little-endian numbers in byte arrays. */
public final class LittleEndian {
  private LittleEndian() {}

  public static int getInt(byte[] b, int off) {
    return (b[off] & 0xff)
        | (b[off + 1] & 0xff) << 8
        | (b[off + 2] & 0xff) << 16
        | (b[off + 3] & 0xff) << 24;
  }

  public static short getShort(byte[] b, int off) {
    return (short) ((b[off] & 0xff) | (b[off + 1] & 0xff) << 8);
  }

  public static long getLong(byte[] b, int off) {
    return (getInt(b, off) & 0xffffffffL) | ((long) getInt(b, off + 4)) << 32;
  }
}
