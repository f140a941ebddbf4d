package dev.wasmgrid.llm.io;

/**
 * Random-access little-endian bytes of a model file: a heap array in the portable build, a mapped
 * file on the JVM. Callers check bounds before reading ({@link ByteCursor} does).
 */
public interface ByteSource {

  /**
   * Whether the bytes are a mapping of a file, so that weights held as views of them ({@code
   * PackedMatrix}) take no memory of their own; a heap array's are copied when a view would keep
   * the whole file alive for a few of its tensors.
   */
  default boolean mapped() {
    return false;
  }

  /** Length in bytes. */
  long size();

  /** Copies {@code len} bytes at {@code offset} into {@code dst[dstOff..)}. */
  void read(long offset, byte[] dst, int dstOff, int len);

  /** Copies {@code count} little-endian floats at {@code offset} into {@code dst[dstOff..)}. */
  default void readFloats(long offset, float[] dst, int dstOff, int count) {
    byte[] chunk = new byte[4 * Math.min(count, 1 << 16)];
    int done = 0;
    while (done < count) {
      int n = Math.min(count - done, chunk.length / 4);
      read(offset + 4L * done, chunk, 0, 4 * n);
      for (int i = 0; i < n; i++) {
        dst[dstOff + done + i] = Float.intBitsToFloat(LittleEndian.getInt(chunk, 4 * i));
      }
      done += n;
    }
  }
}
