package dev.wasmgrid.llm.jvm;

import dev.wasmgrid.llm.PackedMatrix;
import dev.wasmgrid.llm.TensorType;
import dev.wasmgrid.llm.WeightMatrix;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * Products of packed matrices by the {@link NativeKernels}: the caller copies its vectors into
 * memory off the heap (its own, reused product after product) and quantizes them once; the team's
 * threads then dot their rows with them, reading the weights from the file's mapping; the caller
 * copies the rows out.
 */
final class NativeProducts {

  /** Splits a product's rows over threads, as {@link VectorCompute} does for its own kernels. */
  @FunctionalInterface
  interface Split {
    void run(int rows, RowTeam.Work work);
  }

  private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);
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
   * 256, whose products are summed in integers and scaled once (as llama.cpp's q8_K does), else 32.
   */
  static int inputBlock(TensorType type) {
    return type.blockSize() >= 256 ? 256 : 32;
  }

  /**
   * The addresses of {@code ws}' rows ({@link #weights}) where the kernels take every one of them
   * and all have the same width and quantize x in the same blocks, so that one quantized x serves
   * them all; else null.
   */
  static long[] sharedWeights(WeightMatrix[] ws) {
    long[] weights = new long[ws.length];
    for (int m = 0; m < ws.length; m++) {
      if (!(ws[m] instanceof PackedMatrix p)
          || p.cols() != ws[0].cols()
          || inputBlock(p.type()) != inputBlock(((PackedMatrix) ws[0]).type())) {
        return null;
      }
      weights[m] = weights(p);
      if (weights[m] == 0) {
        return null;
      }
    }
    return weights;
  }

  /**
   * {@code outs[v] = p · xs[v]} for v in [0, n), p's rows at {@code weights} ({@link #weights}).
   */
  void matmul(PackedMatrix p, long weights, float[][] xs, float[][] outs, int n, Split split) {
    matmuls(new WeightMatrix[] {p}, new long[] {weights}, xs, new float[][][] {outs}, n, split);
  }

  /**
   * {@code outs[m][v] = ws[m] · xs[v]} for every matrix m and v in [0, n), the matrices' rows at
   * {@code weights} ({@link #sharedWeights}): x quantized once, and the matrices' rows one after
   * another as one range that {@code split} divides.
   */
  void matmuls(
      WeightMatrix[] ws, long[] weights, float[][] xs, float[][][] outs, int n, Split split) {
    int cols = ws[0].cols();
    int[] first = new int[ws.length + 1];
    for (int m = 0; m < ws.length; m++) {
      first[m + 1] = Math.addExact(first[m], ws[m].rows());
    }
    int rows = first[ws.length];
    Scratch s = scratch.get().fit(n, cols, rows);
    for (int v = 0; v < n; v++) {
      s.x.put(v * cols, xs[v], 0, cols);
    }
    int block = inputBlock(((PackedMatrix) ws[0]).type());
    NativeKernels.quantize(s.xAt, n, cols, block, s.qAt, s.dAt, s.sumAt);
    long q = s.qAt;
    long d = s.dAt;
    long sums = s.sumAt;
    long out = s.outAt;
    try {
      split.run(
          rows,
          (from, to) -> {
            for (int m = 0; m < ws.length; m++) {
              int lo = Math.max(from, first[m]);
              int hi = Math.min(to, first[m + 1]);
              if (lo < hi) {
                PackedMatrix p = (PackedMatrix) ws[m];
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
                    out + 4L * first[m],
                    rows,
                    width);
              }
            }
          });
    } finally {
      // The mappings must outlive the calls that read them.
      Reference.reachabilityFence(ws);
    }
    for (int m = 0; m < ws.length; m++) {
      for (int v = 0; v < n; v++) {
        s.out.get(v * rows + first[m], outs[m][v], 0, ws[m].rows());
      }
    }
  }

  /** One caller's vectors, their quantized form and the product, off the heap. */
  private static final class Scratch {
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
        xBytes = direct(Math.multiplyExact(values, 4));
        x = xBytes.asFloatBuffer();
        xAt = NativeKernels.address(xBytes);
        // Bytes, then at most a scale and an int sum per 32 values.
        quantBytes = direct(Math.addExact(values, values / 32 * 8));
        qAt = NativeKernels.address(quantBytes);
        dAt = qAt + (long) values;
        sumAt = dAt + (long) values / 32 * 4;
        capacityX = values;
      }
      int products = Math.multiplyExact(n, rows);
      if (products > capacityOut) {
        outBytes = direct(Math.multiplyExact(products, 4));
        out = outBytes.asFloatBuffer();
        outAt = NativeKernels.address(outBytes);
        capacityOut = products;
      }
      return this;
    }

    private static ByteBuffer direct(int bytes) {
      // 64-byte aligned, a cache line, whatever the JDK's own alignment.
      int lines = Math.addExact(bytes, 63) / 64;
      return ByteBuffer.allocateDirect(Math.multiplyExact(lines + 1, 64))
          .alignedSlice(64)
          .order(ByteOrder.nativeOrder());
    }
  }
}
