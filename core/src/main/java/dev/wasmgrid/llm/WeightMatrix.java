package dev.wasmgrid.llm;

/**
 * A weight matrix stored row-major, so that a matrix-vector product reads each row as one
 * contiguous stream.
 */
public sealed interface WeightMatrix permits F32Matrix, Q8Matrix, PackedMatrix {

  /** Output size of a product with this matrix. */
  int rows();

  /** Input size of a product with this matrix. */
  int cols();

  /** Writes row {@code r}, dequantized, to {@code dst[0..cols)}. */
  void row(int r, float[] dst);

  /** Bytes the weights occupy in memory. */
  long bytes();
}
