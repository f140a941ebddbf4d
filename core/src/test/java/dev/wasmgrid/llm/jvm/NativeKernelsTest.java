package dev.wasmgrid.llm.jvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wasmgrid.llm.InputRounding;
import dev.wasmgrid.llm.LanguageModel;
import dev.wasmgrid.llm.Model;
import dev.wasmgrid.llm.PackedMatrix;
import dev.wasmgrid.llm.TensorType;
import dev.wasmgrid.llm.WeightMatrix;
import dev.wasmgrid.llm.jvm.NativeProducts.Split;
import dev.wasmgrid.llm.quant.BlockCodecs;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The native kernels against the weight-only reference (the codec's weights dotted with x in
 * double) on matrices mapped from a file, as a model's are. Except for F32's, they quantize x to a
 * byte per value and a scale per 32 (per 256 for the K-quants), so they may differ from it by x's
 * rounding, at most half a step per value: Σ |w| · amax/254, amax that of each value's block; and
 * by float rounding, 1e-5 of Σ |w · x| at most for rows this long.
 */
class NativeKernelsTest {

  @TempDir Path dir;

  @Test
  void theKernelsRunOnEveryX86LinuxWithAvx2() throws IOException {
    String arch = System.getProperty("os.arch");
    Path cpuinfo = Path.of("/proc/cpuinfo");
    Assumptions.assumeTrue(arch.equals("amd64") && Files.isReadable(cpuinfo), "not x86-64 Linux");
    String flags = Files.readString(cpuinfo).toLowerCase(Locale.ROOT);
    Assumptions.assumeTrue(
        flags.contains(" avx2") && flags.contains(" fma") && flags.contains(" f16c"),
        "no AVX2, FMA or F16C");
    Assumptions.assumeFalse(
        NativeKernels.unavailable().orElse("").startsWith("turned off"), "turned off here");
    // The build needs gcc for the library; this machine kind has it, so a missing library is a
    // broken build, not a choice.
    assertThat(NativeKernels.unavailable()).isEmpty();
    assertThat(NativeKernels.types())
        .containsExactlyInAnyOrder(
            TensorType.F32,
            TensorType.Q8_0,
            TensorType.Q4_0,
            TensorType.Q5_0,
            TensorType.Q4_1,
            TensorType.Q5_1,
            TensorType.Q2_K,
            TensorType.Q3_K,
            TensorType.Q4_K,
            TensorType.Q5_K,
            TensorType.Q6_K,
            TensorType.IQ4_NL,
            TensorType.IQ4_XS);
  }

  @ParameterizedTest
  @EnumSource(
      value = TensorType.class,
      names = {
        "F32", "Q8_0", "Q4_0", "Q5_0", "Q4_1", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K",
        "IQ4_NL", "IQ4_XS"
      })
  void productsMatchTheWeightOnlyDotWithinTheStatedBound(TensorType type) throws IOException {
    Assumptions.assumeTrue(NativeKernels.available(), NativeKernels.unavailable().orElse(""));
    SplittableRandom r = new SplittableRandom(type.name().hashCode());
    int block = NativeProducts.inputBlock(type);
    // F32's rows need not be whole blocks of 16 (the kernel's lanes): 300 and 2051 leave a tail.
    int[] widths = type == TensorType.F32 ? new int[] {300, 768, 2051} : new int[] {256, 768, 2048};
    for (int cols : widths) {
      PackedMatrix m = mapped(type, 37, cols, r);
      float[][] xs = randomXs(5, cols, r);
      float[] w = new float[cols];
      for (int width : NativeKernels.widths()) {
        float[][] got = product(width, m, xs, xs.length, WHOLE);
        for (int row = 0; row < m.rows(); row++) {
          m.row(row, w);
          for (int v = 0; v < xs.length; v++) {
            double exact = 0;
            double magnitude = 0;
            double rounding = 0;
            for (int i = 0; i < cols; i++) {
              exact += (double) w[i] * xs[v][i];
              magnitude += Math.abs((double) w[i] * xs[v][i]);
              if (block > 0) {
                rounding += Math.abs((double) w[i]) * InputRounding.blockMax(xs[v], i, block) / 254;
              }
            }
            double bound = rounding + 1e-5 * (magnitude + rounding) + 1e-30;
            assertThat((double) got[v][row])
                .as("%s, %d bits, %d columns, row %d, vector %d", type, width, cols, row, v)
                .isCloseTo(exact, Offset.offset(bound));
          }
        }
      }
    }
  }

  /**
   * A product does not depend on how its rows are split (over threads), nor on the other vectors of
   * its batch: batched prompts and concurrent streams give the tokens of one stream alone. Each
   * width on its own; and through {@link VectorCompute} on 1 and 3 threads.
   */
  @ParameterizedTest
  @EnumSource(
      value = TensorType.class,
      names = {
        "F32", "Q8_0", "Q4_0", "Q5_0", "Q4_1", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K",
        "IQ4_NL", "IQ4_XS"
      })
  void productsAreTheSameWhateverTheSplitOrBatch(TensorType type) throws IOException {
    Assumptions.assumeTrue(NativeKernels.available(), NativeKernels.unavailable().orElse(""));
    SplittableRandom r = new SplittableRandom(3 + type.name().hashCode());
    // 203 rows: not a multiple of 4 (the four-stream order's tail), and two blocks of the rows
    // every group of 4 vectors takes in turn; 288 columns: 9 blocks of 32, an odd count (the
    // 512-bit kernels' last single block), where the type allows, and 291 for F32 (a tail of 3 past
    // its lanes' 16); up to 9 vectors: two full groups of 4 and a single.
    int cols = type == TensorType.F32 ? 291 : type.blockSize() >= 256 ? 512 : 288;
    PackedMatrix m = mapped(type, 203, cols, r);
    float[][] xs = randomXs(9, cols, r);
    for (int width : NativeKernels.widths()) {
      float[][] alone = new float[xs.length][];
      for (int v = 0; v < xs.length; v++) {
        alone[v] = product(width, m, new float[][] {xs[v]}, 1, WHOLE)[0];
      }
      for (int batch = 1; batch <= xs.length; batch++) {
        for (Split split : List.of(WHOLE, CHUNKS_OF_48, CHUNKS_OF_7)) {
          float[][] got = product(width, m, xs, batch, split);
          for (int v = 0; v < batch; v++) {
            for (int row = 0; row < m.rows(); row++) {
              assertThat(Float.floatToRawIntBits(got[v][row]))
                  .as("%d bits, batch %d, vector %d, row %d", width, batch, v, row)
                  .isEqualTo(Float.floatToRawIntBits(alone[v][row]));
            }
          }
        }
      }
    }
    float[][] expected = new float[xs.length][];
    for (int v = 0; v < xs.length; v++) {
      expected[v] = Products.of(1, m, new float[][] {xs[v]}, 1)[0];
    }
    Products.assertEveryWayEquals(expected, m, xs, type.toString());
  }

  private static final Split WHOLE = (rows, unitRows, work, task) -> task.run(0, rows);
  private static final Split CHUNKS_OF_48 = chunks(48);
  private static final Split CHUNKS_OF_7 = chunks(7);

  private static Split chunks(int size) {
    return (rows, unitRows, work, task) -> {
      for (int from = 0; from < rows; from += size) {
        task.run(from, Math.min(rows, from + size));
      }
    };
  }

  private static float[][] product(int width, PackedMatrix m, float[][] xs, int n, Split split) {
    float[][] outs = new float[n][m.rows()];
    new NativeProducts(width).matmul(m, xs, outs, n, split);
    return outs;
  }

  private static float[][] randomXs(int n, int cols, SplittableRandom r) {
    float[][] xs = new float[n][];
    for (int v = 0; v < n; v++) {
      xs[v] = PackedKernelsTest.randomX(cols, r);
    }
    return xs;
  }

  /**
   * Several matrices times the same vectors as one product (attention's q, k and v; the
   * feed-forward's gate and up) give each matrix's own product, bit for bit: of one type, of two
   * K-quants that quantize x alike, and of types that do not (each then on its own); on 1 and 2
   * threads, whose split of the joined rows crosses from one matrix to the next.
   */
  @Test
  void matricesMultipliedTogetherGiveEachItsOwnProduct() throws IOException {
    Assumptions.assumeTrue(NativeKernels.available(), NativeKernels.unavailable().orElse(""));
    SplittableRandom r = new SplittableRandom(11);
    TensorType[][] sets = {
      {TensorType.Q8_0, TensorType.Q8_0, TensorType.Q8_0},
      {TensorType.Q4_K, TensorType.Q4_K, TensorType.Q6_K},
      {TensorType.Q8_0, TensorType.Q4_K}
    };
    int cols = 512;
    for (TensorType[] types : sets) {
      WeightMatrix[] ws = new WeightMatrix[types.length];
      for (int m = 0; m < ws.length; m++) {
        ws[m] = mapped(types[m], 150 + 37 * m, cols, r);
      }
      assertThat(NativeProducts.shared(ws)).isEqualTo(types.length != 2);
      float[][] xs = randomXs(6, cols, r);
      for (int n : new int[] {1, 6}) {
        for (int threads = 1; threads <= 2; threads++) {
          float[][][] outs = new float[ws.length][n][];
          for (int m = 0; m < ws.length; m++) {
            for (int v = 0; v < n; v++) {
              outs[m][v] = new float[ws[m].rows()];
            }
          }
          try (VectorCompute compute = new VectorCompute(threads)) {
            compute.matmuls(ws, xs, outs, n);
          }
          for (int m = 0; m < ws.length; m++) {
            float[][] alone = product(0, (PackedMatrix) ws[m], xs, n, WHOLE);
            for (int v = 0; v < n; v++) {
              for (int row = 0; row < ws[m].rows(); row++) {
                assertThat(Float.floatToRawIntBits(outs[m][v][row]))
                    .as(
                        "%s, matrix %d, %d vectors, %d threads, vector %d, row %d",
                        List.of(types), m, n, threads, v, row)
                    .isEqualTo(Float.floatToRawIntBits(alone[v][row]));
              }
            }
          }
        }
      }
    }
  }

  /**
   * Matrices multiplied together with a task after each range of units (the feed-forward's gate and
   * up, a unit a row, then SwiGLU; attention's q, k and v, a unit a key-value head of each, then
   * attention): each matrix's own product, bit for bit, and the task runs once on every unit, after
   * that unit's rows of every product are in place; on 1 and 2 threads, for types the kernels take
   * alike and for types they do not (then the products first, the task after). Rows that do not
   * split into the units are refused.
   */
  @Test
  void rangesOfUnitsRunTheirTaskOnceTheirProductsAreDone() throws IOException {
    Assumptions.assumeTrue(NativeKernels.available(), NativeKernels.unavailable().orElse(""));
    SplittableRandom r = new SplittableRandom(13);
    TensorType[][] sets = {
      {TensorType.Q4_0, TensorType.Q4_0},
      {TensorType.Q8_0, TensorType.Q8_0},
      {TensorType.Q4_K, TensorType.Q6_K},
      {TensorType.Q8_0, TensorType.Q4_K}
    };
    int cols = 256;
    // Units of a row each; units of 32 and 16 rows (a head of q with two query heads per key head).
    int[][] shapes = {{400, 400, 400}, {800, 400, 25}};
    for (int[] shape : shapes) {
      int units = shape[2];
      for (TensorType[] types : sets) {
        WeightMatrix[] ws = {
          mapped(types[0], shape[0], cols, r), mapped(types[1], shape[1], cols, r)
        };
        float[][] xs = randomXs(5, cols, r);
        for (int n : new int[] {1, 5}) {
          float[][][] alone = new float[2][][];
          for (int m = 0; m < 2; m++) {
            alone[m] = product(0, (PackedMatrix) ws[m], xs, n, WHOLE);
          }
          for (int threads = 1; threads <= 2; threads++) {
            float[][][] outs = {new float[n][shape[0]], new float[n][shape[1]]};
            AtomicIntegerArray runs = new AtomicIntegerArray(units);
            AtomicIntegerArray early = new AtomicIntegerArray(units);
            try (VectorCompute compute = new VectorCompute(threads)) {
              compute.matmulsThen(
                  ws,
                  xs,
                  outs,
                  n,
                  units,
                  (from, to) -> {
                    for (int u = from; u < to; u++) {
                      runs.incrementAndGet(u);
                      for (int m = 0; m < 2; m++) {
                        int unitRows = shape[m] / units;
                        for (int row = u * unitRows; row < (u + 1) * unitRows; row++) {
                          for (int v = 0; v < n; v++) {
                            if (Float.floatToRawIntBits(outs[m][v][row])
                                != Float.floatToRawIntBits(alone[m][v][row])) {
                              early.incrementAndGet(u);
                            }
                          }
                        }
                      }
                    }
                  });
            }
            String what =
                "%s, %d units, %d vectors, %d threads".formatted(List.of(types), units, n, threads);
            for (int u = 0; u < units; u++) {
              assertThat(runs.get(u)).as("%s: runs of unit %d", what, u).isEqualTo(1);
              assertThat(early.get(u)).as("%s: unit %d's task before its rows", what, u).isZero();
            }
            for (int m = 0; m < 2; m++) {
              for (int v = 0; v < n; v++) {
                for (int row = 0; row < shape[m]; row++) {
                  assertThat(Float.floatToRawIntBits(outs[m][v][row]))
                      .as("%s, matrix %d, vector %d, row %d", what, m, v, row)
                      .isEqualTo(Float.floatToRawIntBits(alone[m][v][row]));
                }
              }
            }
          }
        }
      }
    }
    WeightMatrix[] uneven = {
      mapped(TensorType.Q8_0, 400, cols, r), mapped(TensorType.Q8_0, 416, cols, r)
    };
    float[][][] outs = {new float[1][400], new float[1][416]};
    try (VectorCompute compute = new VectorCompute(2)) {
      assertThatThrownBy(
              () ->
                  compute.matmulsThen(uneven, randomXs(1, cols, r), outs, 1, 25, (from, to) -> {}))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("416 rows does not split into 25 units");
    }
  }

  /**
   * A product too small to be worth another thread's hand-over (under 64 KiB of weights times
   * vectors a thread) runs on the caller alone, in one range; a larger one, or the same matrix by
   * more vectors, is split in one range per thread.
   */
  @Test
  void smallProductsStayOnTheCaller() throws IOException {
    Assumptions.assumeTrue(NativeKernels.available(), NativeKernels.unavailable().orElse(""));
    SplittableRandom r = new SplittableRandom(17);
    // Q8_0, 256 columns: 272 bytes a row; 256 rows are 68 KB, 2,048 are 557 KB.
    WeightMatrix small = mapped(TensorType.Q8_0, 256, 256, r);
    WeightMatrix large = mapped(TensorType.Q8_0, 2048, 256, r);
    try (VectorCompute compute = new VectorCompute(2)) {
      assertThat(ranges(compute, small, 1, r)).containsExactly("0-256 on the caller");
      assertThat(ranges(compute, large, 1, r)).hasSize(2);
      assertThat(ranges(compute, small, 4, r)).hasSize(2);
    }
  }

  /** The ranges a product of {@code w} by {@code n} vectors ran in, and where. */
  private static List<String> ranges(
      VectorCompute compute, WeightMatrix w, int n, SplittableRandom r) {
    Thread caller = Thread.currentThread();
    List<String> ranges = Collections.synchronizedList(new ArrayList<>());
    float[][][] outs = {new float[n][w.rows()]};
    compute.matmulsThen(
        new WeightMatrix[] {w},
        randomXs(n, w.cols(), r),
        outs,
        n,
        w.rows(),
        (from, to) ->
            ranges.add(
                from + "-" + to + (Thread.currentThread() == caller ? " on the caller" : "")));
    return ranges;
  }

  /**
   * Q8_0, Q4_0, Q5_0, Q4_1, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL and IQ4_XS matrices are read
   * from their interleaved copy at 512 bits, made once per matrix; Q8_0's products are the file
   * layout's 512-bit ones bit for bit (the kernels' one order), so a matrix left without a copy
   * gives the same tokens.
   */
  @ParameterizedTest
  @EnumSource(
      value = TensorType.class,
      names = {
        "Q8_0", "Q4_0", "Q5_0", "Q4_1", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_NL",
        "IQ4_XS"
      })
  void theInterleavedCopyIsMadeOnceAndQ80sProductsAreTheFileLayoutsBitForBit(TensorType type)
      throws IOException {
    Assumptions.assumeTrue(NativeKernels.width() == 512, "no AVX-512 VNNI kernels here");
    SplittableRandom r = new SplittableRandom(17);
    int rows = 45;
    int block = NativeProducts.inputBlock(type);
    int cols = block == 256 ? 512 : 288;
    PackedMatrix m = mapped(type, rows, cols, r);
    long blocks = NativeProducts.weights(m);
    InterleavedCopies copies = ((MappedByteSource) m.source()).interleaved();
    long copy = copies.address(m, blocks);
    assertThat(copy).isNotZero();
    assertThat(copies.address(m, blocks)).isEqualTo(copy);

    int n = 3;
    ByteBuffer x = NativeKernels.aligned(4 * n * cols);
    float[][] xs = randomXs(n, cols, r);
    for (int v = 0; v < n; v++) {
      x.asFloatBuffer().put(v * cols, xs[v]);
    }
    ByteBuffer quantized = NativeKernels.aligned(n * cols + n * cols / 32 * 8);
    long q = NativeKernels.address(quantized);
    long d = q + (long) n * cols;
    long sums = d + (long) n * cols / 32 * 4;
    NativeKernels.quantize(NativeKernels.address(x), n, cols, block, q, d, sums);
    ByteBuffer fromFile = NativeKernels.aligned(4 * n * rows);
    ByteBuffer fromCopy = NativeKernels.aligned(4 * n * rows);
    NativeKernels.rows(
        type,
        blocks,
        m.rowBytes(),
        0,
        rows,
        cols,
        q,
        d,
        sums,
        n,
        NativeKernels.address(fromFile),
        rows,
        512);
    NativeKernels.rowsInterleaved(
        type, copy, 0, rows, cols, q, d, sums, n, NativeKernels.address(fromCopy), rows);
    float[] w = new float[cols];
    for (int row = 0; row < rows; row++) {
      m.row(row, w);
      for (int v = 0; v < n; v++) {
        float a = fromFile.getFloat(4 * (v * rows + row));
        float b = fromCopy.getFloat(4 * (v * rows + row));
        if (type == TensorType.Q8_0) {
          assertThat(Float.floatToRawIntBits(b))
              .as("row %d, vector %d", row, v)
              .isEqualTo(Float.floatToRawIntBits(a));
        } else {
          // The same block sums, added in another order.
          double magnitude = 0;
          for (int i = 0; i < cols; i++) {
            magnitude += Math.abs((double) w[i] * xs[v][i]);
          }
          assertThat((double) b)
              .as("row %d, vector %d", row, v)
              .isCloseTo(a, Offset.offset(1e-5 * magnitude));
        }
      }
    }
  }

  /**
   * A served model's copies are made before its first request ({@code LanguageModel.prepare}, which
   * {@code serve} calls at start-up): on llama.cpp's Q4_K_M file (Q4_K and Q6_K matrices), mapped.
   */
  @Test
  void prepareMakesEveryCopyBeforeTheFirstProduct() throws IOException {
    Assumptions.assumeTrue(NativeKernels.width() == 512, "no AVX-512 VNNI kernels here");
    Path file = dir.resolve("tiny-llama-Q4_K_M.gguf");
    try (InputStream in =
        NativeKernelsTest.class.getResourceAsStream(
            "/dev/wasmgrid/llm/llama-spm/models/tiny-llama-Q4_K_M.gguf")) {
      Files.write(file, in.readAllBytes());
    }
    Model model = ModelFiles.load(file, null);
    List<WeightMatrix> matrices = model.weights().matrices();
    assertThat(matrices).hasSize(7 * model.config().layers() + 1);
    assertThat(matrices)
        .extracting(w -> ((PackedMatrix) w).type())
        .contains(TensorType.Q4_K, TensorType.Q6_K);
    try (LanguageModel lm = new LanguageModel(model, new VectorCompute(1))) {
      lm.prepare();
    }
    for (WeightMatrix w : matrices) {
      PackedMatrix p = (PackedMatrix) w;
      assertThat(((MappedByteSource) p.source()).interleaved().made(p)).as("%s", p.type()).isTrue();
    }
  }

  @Test
  void aMatrixNotMappedIsLeftToTheJavaKernels() {
    byte[] blocks = new byte[4 * TensorType.Q8_0.blockBytes()];
    PackedMatrix inArray = new PackedMatrix(4, 32, blocks, BlockCodecs.of(TensorType.Q8_0));
    assertThat(NativeProducts.weights(inArray)).isZero();
  }

  private PackedMatrix mapped(TensorType type, int rows, int cols, SplittableRandom r)
      throws IOException {
    int blocks = cols / type.blockSize();
    int rowBytes = blocks * type.blockBytes();
    // An odd offset in the file: the kernels take blocks where the file has them.
    int base = 7;
    byte[] all = new byte[base + rows * rowBytes];
    for (int i = 0; i < rows; i++) {
      byte[] row =
          type == TensorType.F32
              ? randomFloats(cols, r)
              : PackedKernelsTest.randomRow(type, blocks, r);
      System.arraycopy(row, 0, all, base + i * rowBytes, rowBytes);
    }
    Path file = Files.createTempFile(dir, type.name(), ".bin");
    Files.write(file, all);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      MappedByteSource source = new MappedByteSource(ch);
      return new PackedMatrix(
          rows, cols, source, base, (long) rows * rowBytes, BlockCodecs.of(type));
    }
  }

  /** {@code n} floats in [-1, 1) as a file stores them, little-endian. */
  private static byte[] randomFloats(int n, SplittableRandom r) {
    ByteBuffer bytes = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      bytes.putFloat((float) (2 * r.nextDouble() - 1));
    }
    return bytes.array();
  }
}
