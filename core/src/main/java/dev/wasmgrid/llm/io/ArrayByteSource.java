package dev.wasmgrid.llm.io;

/** A model file held in a byte array. */
public final class ArrayByteSource implements ByteSource {
  private final byte[] bytes;

  /** Wraps {@code bytes} (not copied). */
  public ArrayByteSource(byte[] bytes) {
    this.bytes = bytes;
  }

  @Override
  public long size() {
    return bytes.length;
  }

  @Override
  public void read(long offset, byte[] dst, int dstOff, int len) {
    System.arraycopy(bytes, Math.toIntExact(offset), dst, dstOff, len);
  }
}
