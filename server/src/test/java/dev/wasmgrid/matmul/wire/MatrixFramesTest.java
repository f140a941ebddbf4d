package dev.wasmgrid.matmul.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.http.BodyBudget;
import dev.wasmgrid.matmul.Dtype;
import dev.wasmgrid.matmul.Matrix;
import dev.wasmgrid.matmul.RandomMatrices;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Streaming a block out as a frame and reading a frame into place. */
class MatrixFramesTest {

  @ParameterizedTest
  @EnumSource(Dtype.class)
  void aStreamedBlockIsTheFrameOfThatBlock(Dtype dtype) throws IOException {
    // 700 columns of f64 are 5600 bytes a row: rows straddle the 1 MiB chunk boundary.
    Matrix m = RandomMatrices.of(dtype, 400, 700, 7);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    MatrixFrames.write(out, m, 13, 391, 5, 690);
    byte[] frame = out.toByteArray();

    assertThat((long) frame.length).isEqualTo(MatrixFrames.frameBytes(dtype, 378, 685));
    assertThat(frame).isEqualTo(MatrixFrames.encode(m.rows(13, 391).cols(5, 690)));
  }

  @ParameterizedTest
  @EnumSource(Dtype.class)
  void aTileIsReadIntoItsPlace(Dtype dtype) {
    Matrix tile = RandomMatrices.of(dtype, 3, 4, 1);
    Matrix target = RandomMatrices.of(dtype, 6, 9, 2);
    Matrix expected = RandomMatrices.of(dtype, 6, 9, 2);
    expected.put(2, 5, tile);

    MatrixFrames.readInto(MatrixFrames.encode(tile), "C", target, 2, 5, 3, 4);

    for (int i = 0; i < 6; i++) {
      for (int j = 0; j < 9; j++) {
        assertThat(target.get(i, j)).isEqualTo(expected.get(i, j));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Dtype.class)
  void aTileOfAnotherShapeOrDtypeIsRefused(Dtype dtype) {
    Matrix target = RandomMatrices.of(dtype, 3, 4, 5);
    byte[] transposed = MatrixFrames.encode(RandomMatrices.of(dtype, 4, 3, 1));
    Dtype other = dtype == Dtype.F64 ? Dtype.F32 : Dtype.F64;
    byte[] otherDtype = MatrixFrames.encode(RandomMatrices.of(other, 3, 4, 1));

    for (byte[] frame : new byte[][] {transposed, otherDtype}) {
      assertThatThrownBy(() -> MatrixFrames.readInto(frame, "C", target, 0, 0, 3, 4))
          .isInstanceOfSatisfying(
              Failure.class, e -> assertThat(e.code()).isEqualTo("shape_mismatch"));
    }
  }

  @ParameterizedTest
  @EnumSource(Dtype.class)
  void aNonFiniteOrTruncatedOrLongTileIsRefused(Dtype dtype) {
    Matrix target = RandomMatrices.of(dtype, 8, 8, 3);
    byte[] frame = MatrixFrames.encode(RandomMatrices.of(dtype, 2, 2, 4));
    byte[] withNaN = frame.clone();
    ByteBuffer bytes = ByteBuffer.wrap(withNaN).order(ByteOrder.LITTLE_ENDIAN);
    int last = MatrixFrames.HEADER_BYTES + 3 * dtype.bytes(); // element [1][1]
    if (dtype == Dtype.F64) {
      bytes.putDouble(last, Double.NaN);
    } else {
      bytes.putFloat(last, Float.POSITIVE_INFINITY);
    }
    byte[] truncated = Arrays.copyOf(frame, frame.length - 1);
    byte[] longer = Arrays.copyOf(frame, frame.length + 1);

    assertThatThrownBy(() -> MatrixFrames.readInto(withNaN, "C", target, 0, 0, 2, 2))
        .isInstanceOfSatisfying(
            Failure.class,
            e -> {
              assertThat(e.code()).isEqualTo("non_finite");
              assertThat(e.field()).isEqualTo("C[1][1]");
            });
    assertThatThrownBy(() -> MatrixFrames.readInto(truncated, "C", target, 0, 0, 2, 2))
        .isInstanceOfSatisfying(
            Failure.class, e -> assertThat(e.code()).isEqualTo("truncated_frame"));
    assertThatThrownBy(() -> MatrixFrames.readInto(longer, "C", target, 0, 0, 2, 2))
        .isInstanceOfSatisfying(
            Failure.class, e -> assertThat(e.code()).isEqualTo("trailing_bytes"));
  }

  @ParameterizedTest
  @EnumSource(Dtype.class)
  void framesReadAsTheyArriveAreTheMatricesBitForBit(Dtype dtype) throws IOException {
    // Over a megabyte each, so the elements cross several chunks of the reading buffer.
    Matrix a = RandomMatrices.of(dtype, 300, 700, 5);
    Matrix b = RandomMatrices.of(dtype, 700, 257, 6);
    byte[] body = MatrixFrames.encode(a, b);
    // A stream that hands out a few bytes at a time, as a socket may.
    InputStream trickle =
        new FilterInputStream(new ByteArrayInputStream(body)) {
          @Override
          public int read(byte[] into, int off, int len) throws IOException {
            return super.read(into, off, Math.min(len, 4093));
          }
        };

    List<Matrix> ab = MatrixFrames.read(trickle, body.length, 1000, unbounded(), "A", "B");

    assertThat(MatrixFrames.encode(ab.get(0), ab.get(1))).isEqualTo(body);
  }

  @ParameterizedTest
  @EnumSource(Dtype.class)
  void aBodyEndingBeforeItsDeclaredLengthIsRefused(Dtype dtype) {
    byte[] body =
        MatrixFrames.encode(RandomMatrices.of(dtype, 3, 4, 1), RandomMatrices.of(dtype, 4, 2, 2));
    byte[] sent = Arrays.copyOf(body, body.length - 5);

    assertThatThrownBy(
            () ->
                MatrixFrames.read(
                    new ByteArrayInputStream(sent), body.length, 1000, unbounded(), "A", "B"))
        .isInstanceOfSatisfying(
            Failure.class,
            e -> {
              assertThat(e.code()).isEqualTo("truncated_body");
              assertThat(e.getMessage()).contains(sent.length + " of its " + body.length);
            });
  }

  @ParameterizedTest
  @EnumSource(Dtype.class)
  void aHeaderWithNonZeroPaddingIsRefused(Dtype dtype) {
    byte[] body =
        MatrixFrames.encode(RandomMatrices.of(dtype, 3, 4, 1), RandomMatrices.of(dtype, 4, 2, 2));
    Matrix target = RandomMatrices.of(dtype, 3, 4, 5);
    for (int at = 5; at < 8; at++) {
      byte[] padded = body.clone();
      padded[at] = 1;
      assertThatThrownBy(() -> MatrixFrames.decode(padded, 1000, "A", "B"))
          .isInstanceOfSatisfying(
              Failure.class,
              e -> {
                assertThat(e.code()).isEqualTo("bad_frame");
                assertThat(e.field()).isEqualTo("A");
                assertThat(e.getMessage()).contains("must be zero");
              });
      assertThatThrownBy(() -> MatrixFrames.readInto(padded, "C", target, 0, 0, 3, 4))
          .isInstanceOfSatisfying(Failure.class, e -> assertThat(e.code()).isEqualTo("bad_frame"));
    }
  }

  @Test
  void operandsTakeMemoryAsTheirElementsArriveNotAsTheirHeadersDeclare() {
    int side = 8192;
    long declared = 2 * MatrixFrames.frameBytes(Dtype.F64, side, side);
    ByteBuffer sent = ByteBuffer.allocate(16 + 8 * 1000).order(ByteOrder.LITTLE_ENDIAN);
    sent.put("WGMX".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put(new byte[3]);
    sent.putInt(side).putInt(side);
    BodyBudget budget = new BodyBudget(1L << 40);

    try (BodyBudget.Lease memory = budget.lease(() -> {})) {
      assertThatThrownBy(
              () ->
                  MatrixFrames.read(
                      new ByteArrayInputStream(sent.array()), declared, side, memory, "A", "B"))
          .isInstanceOfSatisfying(
              Failure.class, e -> assertThat(e.code()).isEqualTo("truncated_body"));
      // The chunk buffer and the 1000 elements that came, not 512 MiB.
      assertThat(budget.held()).isLessThan(4L << 20);
    }
    assertThat(budget.held()).isZero();
  }

  @Test
  void operandsOverTheBudgetAreRefused() {
    Matrix a = RandomMatrices.of(Dtype.F64, 512, 512, 1);
    byte[] body = MatrixFrames.encode(a, a);
    BodyBudget budget = new BodyBudget(3L << 20);

    try (BodyBudget.Lease memory = budget.lease(() -> {})) {
      assertThatThrownBy(
              () ->
                  MatrixFrames.read(
                      new ByteArrayInputStream(body), body.length, 1000, memory, "A", "B"))
          .isInstanceOfSatisfying(
              Failure.class,
              e -> {
                assertThat(e.kind()).isEqualTo(Failure.Kind.TOO_LARGE);
                assertThat(e.code()).isEqualTo("body_too_large");
                assertThat(e.getMessage()).contains("--body-memory");
              });
    }
    assertThat(budget.held()).isZero();
  }

  private static BodyBudget.Lease unbounded() {
    return new BodyBudget(Long.MAX_VALUE).lease(() -> {});
  }
}
