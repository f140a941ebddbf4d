package dev.wasmgrid.llm.jvm;

import dev.wasmgrid.llm.Compute;
import dev.wasmgrid.llm.Compute.RangeTask;
import dev.wasmgrid.llm.PackedMatrix;
import dev.wasmgrid.llm.TensorType;
import dev.wasmgrid.llm.WeightMatrix;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * Products of packed matrices by the {@link NativeKernels}: the caller copies its vectors into
 * memory off the heap (its own, reused product after product) and quantizes them once (but for
 * F32's products); the team's threads then dot their rows with them, reading the weights from the
 * file's mapping, or for Q8_0, Q4_0, Q5_0, Q4_1, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL and
 * IQ4_XS at 512 bits from their {@link InterleavedCopies}; the caller copies the rows out.
 */
final class NativeProducts {

  /**
   * Splits a product's rows over threads, as {@link VectorCompute} does for its own kernels: [0,
   * units) in ranges, each unit {@code unitRows} rows of the product (1 but for {@link
   * #matmulsThen}'s); {@code work}, the weights' bytes times the vectors, says whether it is worth
   * splitting at all.
   */
  @FunctionalInterface
  interface Split {
    void run(int units, int unitRows, long work, RangeTask task);
  }

  private final Spares<Scratch> scratches = new Spares<>(Scratch::new);
  private final int width;

  /**
   * Products by the kernels of {@code width} bits (one of {@link NativeKernels#widths}; 0: the
   * CPU's).
   */
  NativeProducts(int width) {
    this.width = width;
  }

  /**
   * The address of {@code p}'s first row where the kernels take it (its type, held in one mapping
   * of the file), else 0.
   */
  static long weights(PackedMatrix p) {
    // No types where the kernels do not run.
    if (!NativeKernels.types().contains(p.type())
        || !(p.source() instanceof MappedByteSource mapped)) {
      return 0;
    }
    return mapped.address(p.base(), p.bytes());
  }

  /**
   * Values of x quantized under one scale for products of {@code type}: a K-quant's super-block of
   * 256, whose products are summed in integers and scaled once (as llama.cpp's q8_K does); 0 for
   * F32, whose products take x as it is; else 32.
   */
  static int inputBlock(TensorType type) {
    if (type == TensorType.F32) {
      return 0;
    }
    return type.blockSize() >= 256 ? 256 : 32;
  }

  /**
   * Whether the kernels take every one of {@code ws} ({@link #weights}) and all have the same width
   * and quantize x in the same blocks, so that one quantized x serves them all.
   */
  static boolean shared(WeightMatrix[] ws) {
    for (WeightMatrix w : ws) {
      if (!(w instanceof PackedMatrix p)
          || p.cols() != ws[0].cols()
          || inputBlock(p.type()) != inputBlock(((PackedMatrix) ws[0]).type())
          || weights(p) == 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * {@code outs[v] = p · xs[v]} for v in [0, n) where the kernels take p ({@link #weights});
   * otherwise nothing, and false.
   */
  boolean matmul(PackedMatrix p, float[][] xs, float[][] outs, int n, Split split) {
    long at = weights(p);
    if (at == 0) {
      return false;
    }
    Scratch s = scratches.take();
    Product product = s.product;
    product.matrices = 1;
    product.set(0, p, at, interleaved(p, at), outs);
    run(s, xs, n, split);
    return true;
  }

  /** Makes {@code p}'s interleaved copy now, where these products would read one. */
  void prepare(PackedMatrix p) {
    long at = weights(p);
    if (at != 0) {
      interleaved(p, at);
    }
  }

  /**
   * The address of {@code p}'s interleaved copy ({@link InterleavedCopies}) where these products
   * read one (at 512 bits), else 0; {@code at}: its blocks in the mapping.
   */
  private long interleaved(PackedMatrix p, long at) {
    if (width == 256 || !(p.source() instanceof MappedByteSource mapped)) {
      return 0;
    }
    return mapped.interleaved().address(p, at);
  }

  /**
   * {@code outs[m][v] = ws[m] · xs[v]} for every matrix m and v in [0, n), where the kernels take
   * them all alike ({@link #shared}): x quantized once, and the matrices' rows one after another as
   * one range that {@code split} divides.
   */
  void matmuls(WeightMatrix[] ws, float[][] xs, float[][][] outs, int n, Split split) {
    Scratch s = scratches.take();
    fill(s.product, ws, outs);
    run(s, xs, n, split);
  }

  /**
   * {@link #matmuls}, then {@code after} over [0, units) ({@link Compute#matmulsThen}): {@code
   * split} divides the units, and a range's {@code after} runs on its thread once that thread has
   * the range's rows of every matrix.
   */
  void matmulsThen(
      WeightMatrix[] ws,
      float[][] xs,
      float[][][] outs,
      int n,
      int units,
      RangeTask after,
      Split split) {
    Compute.checkUnits(ws, units);
    Scratch s = scratches.take();
    Product product = s.product;
    fill(product, ws, outs);
    product.units = units;
    product.after = after;
    run(s, xs, n, split);
  }

  /** The matrices of {@code ws}, all of which the kernels take alike ({@link #shared}). */
  private void fill(Product product, WeightMatrix[] ws, float[][][] outs) {
    product.fit(ws.length);
    product.matrices = ws.length;
    for (int m = 0; m < ws.length; m++) {
      PackedMatrix p = (PackedMatrix) ws[m];
      long at = weights(p);
      product.set(m, p, at, interleaved(p, at), outs[m]);
    }
  }

  /** Runs the product {@code s} holds, then gives {@code s} back. */
  private void run(Scratch s, float[][] xs, int n, Split split) {
    Product product = s.product;
    try {
      int cols = product.matrix[0].cols();
      int rows = product.first[product.matrices];
      s.fit(n, cols, rows);
      for (int v = 0; v < n; v++) {
        s.x.put(v * cols, xs[v], 0, cols);
      }
      int block = inputBlock(product.matrix[0].type());
      if (block > 0) {
        NativeKernels.quantize(s.xAt, n, cols, block, s.qAt, s.dAt, s.sumAt);
      }
      product.start(s, n, cols, rows, width);
      long work = 0;
      for (int m = 0; m < product.matrices; m++) {
        work += product.matrix[m].bytes() * n;
      }
      if (product.units > 0) {
        split.run(product.units, rows / product.units, work, product);
      } else {
        split.run(rows, 1, work, product);
      }
    } finally {
      // The mappings must outlive the calls that read them; nothing of this product is kept.
      Reference.reachabilityFence(product.matrix);
      product.clear();
      scratches.give(s);
    }
  }

  /**
   * A product as the team's job, reused product after product so that a token's products allocate
   * nothing: the matrices' rows one after another, the quantized x and the output off the heap.
   */
  private static final class Product implements RangeTask {
    private PackedMatrix[] matrix = new PackedMatrix[3];
    private long[] weights = new long[3];
    // Each matrix's interleaved copy, else 0 (the kernels read weights, the mapping).
    private long[] copies = new long[3];
    private float[][][] outs = new float[3][][];
    private int[] first = new int[4];
    private int matrices;
    // matmulsThen's: ranges of units, unit u the u-th of `units` equal groups of each matrix's
    // rows; after runs on a range once its rows are done. 0 for one range of all rows.
    private int units;
    private RangeTask after;
    private int cols;
    private int rows;
    private int n;
    private int width;
    private long x;
    private long q;
    private long d;
    private long sums;
    private long out;
    private FloatBuffer results;

    void fit(int count) {
      if (count > matrix.length) {
        matrix = new PackedMatrix[count];
        weights = new long[count];
        copies = new long[count];
        outs = new float[count][][];
        first = new int[count + 1];
      }
    }

    void set(int m, PackedMatrix p, long at, long copy, float[][] products) {
      matrix[m] = p;
      weights[m] = at;
      copies[m] = copy;
      outs[m] = products;
      first[m + 1] = Math.addExact(first[m], p.rows());
    }

    void start(Scratch s, int n, int cols, int rows, int width) {
      this.n = n;
      this.cols = cols;
      this.rows = rows;
      this.width = width;
      x = s.xAt;
      q = s.qAt;
      d = s.dAt;
      sums = s.sumAt;
      out = s.outAt;
      results = s.out;
    }

    void clear() {
      Arrays.fill(matrix, null);
      Arrays.fill(outs, null);
      units = 0;
      after = null;
    }

    @Override
    public void run(int from, int to) {
      for (int m = 0; m < matrices; m++) {
        int lo;
        int hi;
        if (units > 0) {
          int unitRows = (first[m + 1] - first[m]) / units;
          lo = first[m] + from * unitRows;
          hi = first[m] + to * unitRows;
        } else {
          lo = Math.max(from, first[m]);
          hi = Math.min(to, first[m + 1]);
        }
        if (lo < hi) {
          PackedMatrix p = matrix[m];
          long at = out + 4L * first[m];
          if (copies[m] != 0) {
            NativeKernels.rowsInterleaved(
                p.type(), copies[m], lo - first[m], hi - first[m], cols, q, d, sums, n, at, rows);
          } else if (p.type() == TensorType.F32) {
            NativeKernels.rowsF32(
                weights[m], cols, lo - first[m], hi - first[m], cols, x, n, at, rows);
          } else {
            NativeKernels.rows(
                p.type(),
                weights[m],
                p.rowBytes(),
                lo - first[m],
                hi - first[m],
                cols,
                q,
                d,
                sums,
                n,
                at,
                rows,
                width);
          }
          // Each thread takes its own rows' products back to the heap: as one copy after the
          // product, the classifier's for eight vectors (1 MB) was the caller's alone.
          for (int v = 0; v < n; v++) {
            results.get(v * rows + lo, outs[m][v], lo - first[m], hi - lo);
          }
        }
      }
      if (after != null) {
        after.run(from, to);
      }
    }
  }

  /** A product's vectors, their quantized form and the product, off the heap. */
  private static final class Scratch {
    private final Product product = new Product();
    private int capacityX = -1;
    private int capacityOut = -1;
    private FloatBuffer x;
    private FloatBuffer out;
    private long xAt;
    private long qAt;
    private long dAt;
    private long sumAt;
    private long outAt;
    // Held so that the addresses stay valid.
    private ByteBuffer xBytes;
    private ByteBuffer quantBytes;
    private ByteBuffer outBytes;

    Scratch fit(int n, int cols, int rows) {
      int values = Math.multiplyExact(n, cols);
      if (values > capacityX) {
        xBytes = NativeKernels.aligned(Math.multiplyExact(values, 4));
        x = xBytes.asFloatBuffer();
        xAt = NativeKernels.address(xBytes);
        // Bytes, then at most a scale and an int sum per 32 values.
        quantBytes = NativeKernels.aligned(Math.addExact(values, values / 32 * 8));
        qAt = NativeKernels.address(quantBytes);
        dAt = qAt + (long) values;
        sumAt = dAt + (long) values / 32 * 4;
        capacityX = values;
      }
      int products = Math.multiplyExact(n, rows);
      if (products > capacityOut) {
        outBytes = NativeKernels.aligned(Math.multiplyExact(products, 4));
        out = outBytes.asFloatBuffer();
        outAt = NativeKernels.address(outBytes);
        capacityOut = products;
      }
      return this;
    }
  }
}
