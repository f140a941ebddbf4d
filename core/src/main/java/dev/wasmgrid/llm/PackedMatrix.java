package dev.wasmgrid.llm;

import dev.wasmgrid.llm.quant.BlockCodec;

/**
 * Weights kept as the file stores them, in blocks of {@link TensorType#blockSize()} weights, so
 * that they take their own bit width in memory (4.5 bits a weight for Q4_K, 6.5625 for Q6_K).
 * Products decode one row at a time into a scratch row of floats with the type's {@link
 * BlockCodec}.
 */
public final class PackedMatrix implements WeightMatrix {
  private final int rows;
  private final int cols;
  private final byte[] blocks;
  private final BlockCodec codec;
  private final int rowBytes;
  private final int rowBlocks;

  /**
   * Wraps {@code blocks} (not copied): {@code rows} rows of {@code cols} weights, each row a whole
   * number of blocks.
   */
  public PackedMatrix(int rows, int cols, byte[] blocks, BlockCodec codec) {
    TensorType type = codec.type();
    if (cols % type.blockSize() != 0) {
      throw new IllegalArgumentException(
          type + " matrix needs cols divisible by " + type.blockSize() + ", got " + cols);
    }
    this.rowBlocks = cols / type.blockSize();
    this.rowBytes = rowBlocks * type.blockBytes();
    if ((long) rows * rowBytes != blocks.length) {
      throw new IllegalArgumentException(
          type
              + " matrix "
              + rows
              + "x"
              + cols
              + " needs "
              + (long) rows * rowBytes
              + " bytes, got "
              + blocks.length);
    }
    this.rows = rows;
    this.cols = cols;
    this.blocks = blocks;
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

  /** The blocks, row after row (shared, not copied). */
  public byte[] blocks() {
    return blocks;
  }

  /** Bytes of one row's blocks: row {@code r} starts at {@code r * rowBytes()}. */
  public int rowBytes() {
    return rowBytes;
  }

  @Override
  public void row(int r, float[] dst) {
    codec.decode(blocks, r * rowBytes, dst, 0, rowBlocks);
  }

  @Override
  public long bytes() {
    return blocks.length;
  }
}
