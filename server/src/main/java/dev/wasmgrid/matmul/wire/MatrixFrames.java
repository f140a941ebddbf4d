package dev.wasmgrid.matmul.wire;

import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.http.BodyBudget;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.Reply;
import dev.wasmgrid.matmul.Dtype;
import dev.wasmgrid.matmul.Matrix;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

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

  /** Elements are converted through a buffer this size, so streaming needs no copy of a matrix. */
  private static final int CHUNK_BYTES = 1 << 20;

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
   * A 200 answer holding {@code m} as one frame, written from {@code m} as it is sent: a product's
   * C never sits in memory a second time as bytes.
   */
  public static Reply answer(Matrix m) {
    return Reply.streamed(
        MEDIA_TYPE,
        frameBytes(m.dtype(), m.rows(), m.cols()),
        out -> write(out, m, 0, m.rows(), 0, m.cols()));
  }

  /** Whether a Content-Type names a body of frames ({@link #MEDIA_TYPE}, or octet-stream). */
  public static boolean isFrames(String contentType) {
    String type = contentType.toLowerCase(Locale.ROOT);
    return type.startsWith(MEDIA_TYPE) || type.startsWith("application/octet-stream");
  }

  /**
   * The largest body of a product's two frames, A then B, that {@code limits} admit: f64 operands
   * of {@link Limits#maxDimension()}² each, so the body limit never turns away a product the matrix
   * limit allows (2·(16 + 8192²·8) bytes by default); {@link Limits#maxBodyBytes()} when that is
   * larger.
   */
  public static long maxProductBytes(Limits limits) {
    int side = limits.maxDimension();
    return Math.max(limits.maxBodyBytes(), 2 * frameBytes(Dtype.F64, side, side));
  }

  /** The size in bytes of a frame holding a rows×cols matrix of {@code dtype}. */
  public static long frameBytes(Dtype dtype, int rows, int cols) {
    return HEADER_BYTES + (long) rows * cols * dtype.bytes();
  }

  /**
   * Writes the block rows [row0, row1) × columns [col0, col1) of {@code m} to {@code out} as one
   * frame, a chunk at a time: a worker's share of a large operand goes to the socket without first
   * being copied into a matrix and a body of its own.
   */
  public static void write(OutputStream out, Matrix m, int row0, int row1, int col0, int col1)
      throws IOException {
    int rows = row1 - row0;
    int cols = col1 - col0;
    int width = m.dtype().bytes();
    ByteBuffer chunk =
        ByteBuffer.allocate(Math.max(CHUNK_BYTES, HEADER_BYTES + cols * width))
            .order(ByteOrder.LITTLE_ENDIAN);
    chunk.put(MAGIC).put((byte) (m.dtype() == Dtype.F64 ? 1 : 2)).put(new byte[3]);
    chunk.putInt(rows).putInt(cols);
    for (int r = row0; r < row1; r++) {
      if (chunk.remaining() < cols * width) {
        out.write(chunk.array(), 0, chunk.position());
        chunk.clear();
      }
      int from = r * m.cols() + col0;
      switch (m) {
        case Matrix.F64 x -> chunk.asDoubleBuffer().put(x.data(), from, cols);
        case Matrix.F32 x -> chunk.asFloatBuffer().put(x.data(), from, cols);
      }
      chunk.position(chunk.position() + cols * width);
    }
    out.write(chunk.array(), 0, chunk.position());
  }

  /**
   * Decodes a body holding one rows×cols frame of {@code target}'s dtype straight into {@code
   * target} at (row0, col0): a worker's tile lands in the product without a matrix of its own.
   *
   * @throws Failure for a malformed frame, a non-finite element, or another shape or dtype
   */
  public static void readInto(
      byte[] body, String field, Matrix target, int row0, int col0, int rows, int cols) {
    try {
      readInto(new ByteArrayInputStream(body), body.length, field, target, row0, col0, rows, cols);
    } catch (IOException unreachable) {
      throw new UncheckedIOException(unreachable);
    }
  }

  /**
   * As {@link #readInto(byte[], String, Matrix, int, int, int, int)}, reading a body of {@code
   * length} bytes from {@code in} as it arrives, through one chunk-sized buffer.
   *
   * @throws Failure as that method, and 400 {@code truncated_body} when {@code in} ends early
   * @throws IOException when reading {@code in} fails
   */
  public static void readInto(
      InputStream in,
      long length,
      String field,
      Matrix target,
      int row0,
      int col0,
      int rows,
      int cols)
      throws IOException {
    int width = target.dtype().bytes();
    byte[] chunk = new byte[Math.max(CHUNK_BYTES, HEADER_BYTES + cols * width)];
    Header header = header(in, chunk, 0, length, field, Integer.MAX_VALUE);
    if (header.rows() != rows || header.cols() != cols || header.dtype() != target.dtype()) {
      throw Failure.invalid(
          "shape_mismatch",
          field,
          "frame "
              + field
              + " is "
              + header.describe()
              + " but a "
              + rows
              + "x"
              + cols
              + " "
              + target.dtype().wireName()
              + " frame was expected");
    }
    long left = length - HEADER_BYTES;
    checkLength(left, field, header);
    if (left > header.elementBytes()) {
      throw Failure.invalid(
          "trailing_bytes", field, "bytes follow frame " + field + " (" + header.describe() + ")");
    }
    int rowBytes = cols * width;
    int rowsPerChunk = chunk.length / rowBytes;
    for (int r = 0; r < rows; r += rowsPerChunk) {
      int count = Math.min(rowsPerChunk, rows - r);
      readFully(in, chunk, count * rowBytes, length - left, length);
      left -= (long) count * rowBytes;
      for (int i = 0; i < count; i++) {
        int at = (row0 + r + i) * target.cols() + col0;
        ByteBuffer row =
            ByteBuffer.wrap(chunk, i * rowBytes, rowBytes).order(ByteOrder.LITTLE_ENDIAN);
        switch (target) {
          case Matrix.F64 x -> row.asDoubleBuffer().get(x.data(), at, cols);
          case Matrix.F32 x -> row.asFloatBuffer().get(x.data(), at, cols);
        }
        long bad = MatrixChecks.firstNonFinite(target, at, at + cols);
        if (bad >= 0) {
          String name = field + "[" + (r + i) + "][" + (bad - at) + "]";
          throw Failure.invalid(
              "non_finite",
              name,
              name
                  + " is "
                  + MatrixChecks.value(target, bad)
                  + ": NaN and infinite values are not accepted");
        }
      }
    }
  }

  /**
   * Decodes a body of frames, naming them by {@code fields} (e.g. "A", "B"); exactly that many
   * frames must be present.
   *
   * @throws Failure for a truncated or malformed frame, a non-finite element, a dimension over
   *     {@code maxDimension}, or bytes after the last frame
   */
  public static List<Matrix> decode(byte[] body, int maxDimension, String... fields) {
    try (BodyBudget.Lease memory = new BodyBudget(Long.MAX_VALUE).lease(() -> {})) {
      return read(new ByteArrayInputStream(body), body.length, maxDimension, memory, true, fields);
    } catch (IOException unreachable) {
      throw new UncheckedIOException(unreachable);
    }
  }

  /**
   * As {@link #decode(byte[], int, String...)}, reading a body of {@code length} bytes from {@code
   * in} as it arrives: the elements go straight into the matrices through one chunk-sized buffer,
   * with no copy of the whole body (a worker's tile is a few hundred megabytes). The matrices grow
   * as their elements arrive, not as their headers declare, and take what they hold from {@code
   * memory}.
   *
   * @throws Failure as {@code decode}, 400 {@code truncated_body} when {@code in} ends before
   *     {@code length} bytes, and as {@link BodyBudget.Lease#reserve} when {@code memory} has no
   *     room for them
   * @throws IOException when reading {@code in} fails
   */
  public static List<Matrix> read(
      InputStream in, long length, int maxDimension, BodyBudget.Lease memory, String... fields)
      throws IOException {
    return read(in, length, maxDimension, memory, false, fields);
  }

  /**
   * The reading of {@link #read(InputStream, long, int, BodyBudget.Lease, String...)}; {@code
   * inHand} says the whole body is already in memory, so the matrices take their full size at once
   * rather than growing as elements arrive.
   */
  private static List<Matrix> read(
      InputStream in,
      long length,
      int maxDimension,
      BodyBudget.Lease memory,
      boolean inHand,
      String... fields)
      throws IOException {
    int chunkBytes = (int) Math.min(CHUNK_BYTES, Math.max(HEADER_BYTES, length));
    memory.reserve(chunkBytes);
    byte[] chunk = new byte[chunkBytes];
    long left = length;
    List<Matrix> matrices = new ArrayList<>(fields.length);
    for (String field : fields) {
      Header header = header(in, chunk, length - left, length, field, maxDimension);
      left -= HEADER_BYTES;
      checkLength(left, field, header);
      ArrivingMatrix arriving =
          new ArrivingMatrix(header.dtype(), header.rows(), header.cols(), memory, inHand);
      int width = header.dtype().bytes();
      int elements = header.rows() * header.cols();
      for (int at = 0; at < elements; ) {
        int count = Math.min(elements - at, chunk.length / width);
        readFully(in, chunk, count * width, length - left, length);
        left -= (long) count * width;
        arriving.put(
            ByteBuffer.wrap(chunk, 0, count * width).order(ByteOrder.LITTLE_ENDIAN), at, count);
        at += count;
      }
      Matrix matrix = arriving.matrix();
      checkFinite(matrix, field);
      matrices.add(matrix);
    }
    if (left > 0) {
      throw Failure.invalid(
          "trailing_bytes",
          "",
          left + " bytes follow the last expected frame (" + fields.length + " frames)");
    }
    return matrices;
  }

  /** Reads {@code n} bytes into the start of {@code chunk}, {@code done} of {@code length} read. */
  private static void readFully(InputStream in, byte[] chunk, int n, long done, long length)
      throws IOException {
    int read = in.readNBytes(chunk, 0, n);
    if (read < n) {
      throw Failure.invalid(
          "truncated_body",
          "",
          "the body ended after " + (done + read) + " of its " + length + " bytes");
    }
  }

  /** A frame's header: what it holds. */
  private record Header(Dtype dtype, int rows, int cols) {
    long elementBytes() {
      return (long) rows * cols * dtype.bytes();
    }

    String describe() {
      return rows + "x" + cols + " " + dtype.wireName();
    }
  }

  /** Reads and checks a frame's header, {@code done} of the body's {@code length} bytes read. */
  private static Header header(
      InputStream body, byte[] chunk, long done, long length, String field, int maxDimension)
      throws IOException {
    if (length - done < HEADER_BYTES) {
      throw Failure.invalid(
          "truncated_frame",
          field,
          "frame " + field + " needs a 16-byte header; " + (length - done) + " bytes are left");
    }
    readFully(body, chunk, HEADER_BYTES, done, length);
    ByteBuffer in = ByteBuffer.wrap(chunk, 0, HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    byte[] magic = new byte[4];
    in.get(magic);
    int dtypeCode = in.get();
    byte[] padding = new byte[3];
    in.get(padding);
    int rows = in.getInt();
    int cols = in.getInt();
    if (!Arrays.equals(magic, MAGIC) || (dtypeCode != 1 && dtypeCode != 2)) {
      throw Failure.invalid(
          "bad_frame",
          field,
          "frame " + field + " must start with 'WGMX' and dtype 1 (f64) or 2 (f32)");
    }
    if (!Arrays.equals(padding, new byte[3])) {
      // Reserved: a frame written for a later version of the format must not be misread as this
      // one.
      throw Failure.invalid(
          "bad_frame",
          field,
          "frame " + field + ": header bytes 5 to 7 are reserved and must be zero");
    }
    if (rows < 1 || cols < 1) {
      throw Failure.invalid(
          "not_a_matrix",
          field,
          "frame " + field + " is " + rows + "x" + cols + "; both must be >= 1");
    }
    MatrixJson.checkDimension(field, "rows", rows, maxDimension);
    MatrixJson.checkDimension(field, "columns", cols, maxDimension);
    return new Header(dtypeCode == 1 ? Dtype.F64 : Dtype.F32, rows, cols);
  }

  /** Checks that the rest of the body, {@code left} bytes, holds all of the frame's elements. */
  private static void checkLength(long left, String field, Header header) {
    if (left < header.elementBytes()) {
      throw Failure.invalid(
          "truncated_frame",
          field,
          "frame "
              + field
              + " ("
              + header.describe()
              + ") needs "
              + header.elementBytes()
              + " bytes; "
              + left
              + " are left");
    }
  }

  private static void checkFinite(Matrix matrix, String field) {
    long at = MatrixChecks.firstNonFinite(matrix);
    if (at >= 0) {
      String name = MatrixChecks.entryName(field, matrix, at);
      throw Failure.invalid(
          "non_finite",
          name,
          name
              + " is "
              + MatrixChecks.value(matrix, at)
              + ": NaN and infinite values are not accepted");
    }
  }
}
