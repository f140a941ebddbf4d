package dev.wasmgrid.matmul.wire;

import dev.wasmgrid.http.ApiError;
import dev.wasmgrid.matmul.Dtype;
import dev.wasmgrid.matmul.Matrix;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Matrices as little-endian binary frames, for payloads too large for JSON. A frame is a 16-byte
 * header — magic {@code WGMX}, dtype byte (1 = f64, 2 = f32), three zero bytes, rows and columns as
 * int32 — followed by rows·cols elements in row-major order. A request body is frames back to back
 * (A then B); a reply is one frame (C). See docs/api.md.
 */
public final class MatrixFrames {

  /** The media type of a body made of frames. */
  public static final String MEDIA_TYPE = "application/x-wasmgrid-matrix";

  /** Size of a frame header in bytes. */
  public static final int HEADER_BYTES = 16;

  private static final byte[] MAGIC = "WGMX".getBytes(StandardCharsets.US_ASCII);

  private MatrixFrames() {}

  /** Encodes matrices as consecutive frames. */
  public static byte[] encode(Matrix... matrices) {
    long total = 0;
    for (Matrix m : matrices) {
      total += HEADER_BYTES + (long) m.rows() * m.cols() * m.dtype().bytes();
    }
    ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(total)).order(ByteOrder.LITTLE_ENDIAN);
    for (Matrix m : matrices) {
      out.put(MAGIC).put((byte) (m.dtype() == Dtype.F64 ? 1 : 2)).put(new byte[3]);
      out.putInt(m.rows()).putInt(m.cols());
      switch (m) {
        case Matrix.F64 x -> out.asDoubleBuffer().put(x.data());
        case Matrix.F32 x -> out.asFloatBuffer().put(x.data());
      }
      out.position(out.position() + m.rows() * m.cols() * m.dtype().bytes());
    }
    return out.array();
  }

  /**
   * Decodes a body of frames, naming them by {@code fields} (e.g. "A", "B"); exactly that many
   * frames must be present.
   *
   * @throws ApiError for a truncated or malformed frame, a non-finite element, a dimension over
   *     {@code maxDimension}, or bytes after the last frame
   */
  public static List<Matrix> decode(byte[] body, int maxDimension, String... fields) {
    ByteBuffer in = ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
    List<Matrix> matrices = new ArrayList<>(fields.length);
    for (String field : fields) {
      matrices.add(decodeOne(in, field, maxDimension));
    }
    if (in.hasRemaining()) {
      throw ApiError.badRequest(
          "trailing_bytes",
          "",
          in.remaining() + " bytes follow the last expected frame (" + fields.length + " frames)");
    }
    return matrices;
  }

  private static Matrix decodeOne(ByteBuffer in, String field, int maxDimension) {
    if (in.remaining() < HEADER_BYTES) {
      throw ApiError.badRequest(
          "truncated_frame",
          field,
          "frame " + field + " needs a 16-byte header; " + in.remaining() + " bytes are left");
    }
    byte[] magic = new byte[4];
    in.get(magic);
    int dtypeCode = in.get();
    in.position(in.position() + 3);
    int rows = in.getInt();
    int cols = in.getInt();
    if (!Arrays.equals(magic, MAGIC) || (dtypeCode != 1 && dtypeCode != 2)) {
      throw ApiError.badRequest(
          "bad_frame",
          field,
          "frame " + field + " must start with 'WGMX' and dtype 1 (f64) or 2 (f32)");
    }
    if (rows < 1 || cols < 1) {
      throw ApiError.badRequest(
          "not_a_matrix",
          field,
          "frame " + field + " is " + rows + "x" + cols + "; both must be >= 1");
    }
    MatrixJson.checkDimension(field, "rows", rows, maxDimension);
    MatrixJson.checkDimension(field, "columns", cols, maxDimension);
    Dtype dtype = dtypeCode == 1 ? Dtype.F64 : Dtype.F32;
    long bytes = (long) rows * cols * dtype.bytes();
    if (in.remaining() < bytes) {
      throw ApiError.badRequest(
          "truncated_frame",
          field,
          "frame "
              + field
              + " ("
              + rows
              + "x"
              + cols
              + " "
              + dtype.wireName()
              + ") needs "
              + bytes
              + " bytes; "
              + in.remaining()
              + " are left");
    }
    Matrix matrix =
        switch (dtype) {
          case F64 -> {
            double[] data = new double[rows * cols];
            in.asDoubleBuffer().get(data);
            yield new Matrix.F64(rows, cols, data);
          }
          case F32 -> {
            float[] data = new float[rows * cols];
            in.asFloatBuffer().get(data);
            yield new Matrix.F32(rows, cols, data);
          }
        };
    in.position(in.position() + (int) bytes);
    checkFinite(matrix, field);
    return matrix;
  }

  private static void checkFinite(Matrix matrix, String field) {
    long at = MatrixChecks.firstNonFinite(matrix);
    if (at >= 0) {
      String name = MatrixChecks.entryName(field, matrix, at);
      throw ApiError.badRequest(
          "non_finite",
          name,
          name
              + " is "
              + MatrixChecks.value(matrix, at)
              + ": NaN and infinite values are not accepted");
    }
  }
}
