package dev.wasmgrid.llm;

import dev.wasmgrid.llm.io.ArrayByteSource;
import dev.wasmgrid.llm.io.ByteSource;
import dev.wasmgrid.llm.quant.BlockCodec;

/**
 * Weights kept as the file stores them, in blocks of {@link TensorType#blockSize()} weights, so
 * that they take their own bit width in memory (4.5 bits a weight for Q4_K, 6.5625 for Q6_K). The
 * blocks are a range of a {@link ByteSource}: on the JVM a view of the memory-mapped file, so a
 * loaded model holds no copy of them on the heap (the JVM's native kernels may keep one off it, in
 * a layout of their own); in the browser the file's array. Products read a row's blocks into a
 * scratch array and decode it with the type's {@link BlockCodec}.
 */
public final class PackedMatrix implements WeightMatrix {
  private final int rows;
  private final int cols;
  private final ByteSource source;
  private final long base;
  private final BlockCodec codec;
  private final int rowBytes;
  private final int rowBlocks;

  /**
   * Wraps {@code blocks} (not copied): {@code rows} rows of {@code cols} weights, each row a whole
   * number of blocks.
   */
  public PackedMatrix(int rows, int cols, byte[] blocks, BlockCodec codec) {
    this(rows, cols, new ArrayByteSource(blocks), 0, blocks.length, codec);
  }

  /**
   * A view of the {@code length} bytes at {@code base} in {@code source} (not copied): {@code rows}
   * rows of {@code cols} weights, each row a whole number of blocks.
   */
  public PackedMatrix(
      int rows, int cols, ByteSource source, long base, long length, BlockCodec codec) {
    TensorType type = codec.type();
    if (cols % type.blockSize() != 0) {
      throw new IllegalArgumentException(
          type + " matrix needs cols divisible by " + type.blockSize() + ", got " + cols);
    }
    this.rowBlocks = cols / type.blockSize();
    this.rowBytes = rowBlocks * type.blockBytes();
    if ((long) rows * rowBytes != length || base < 0 || base > source.size() - length) {
      throw new IllegalArgumentException(
          type
              + " matrix "
              + rows
              + "x"
              + cols
              + " needs "
              + (long) rows * rowBytes
              + " bytes, got "
              + length
              + " at "
              + base
              + " of "
              + source.size());
    }
    this.rows = rows;
    this.cols = cols;
    this.source = source;
    this.base = base;
    this.codec = codec;
  }

  @Override
  public int rows() {
    return rows;
  }

  @Override
  public int cols() {
    return cols;
  }

  /** The element type. */
  public TensorType type() {
    return codec.type();
  }

  /** Where the blocks are: row {@code r} starts at {@code base() + r * rowBytes()}. */
  public ByteSource source() {
    return source;
  }

  /** Offset of row 0 in {@link #source()}. */
  public long base() {
    return base;
  }

  /** Bytes of one row's blocks. */
  public int rowBytes() {
    return rowBytes;
  }

  /** Copies row {@code r}'s blocks to {@code dst[0 .. rowBytes())}. */
  public void readRow(int r, byte[] dst) {
    readRows(r, 1, dst);
  }

  /** Copies the blocks of rows {@code r .. r + count)} to {@code dst[0 .. count * rowBytes())}. */
  public void readRows(int r, int count, byte[] dst) {
    source.read(base + (long) r * rowBytes, dst, 0, count * rowBytes);
  }

  @Override
  public void row(int r, float[] dst) {
    row(r, dst, new byte[rowBytes]);
  }

  /** {@link #row(int, float[])} with a scratch array of at least {@link #rowBytes()} bytes. */
  public void row(int r, float[] dst, byte[] scratch) {
    readRow(r, scratch);
    codec.decode(scratch, 0, dst, 0, rowBlocks);
  }

  @Override
  public long bytes() {
    return (long) rows * rowBytes;
  }
}
