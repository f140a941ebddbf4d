package dev.wasmgrid.llm.jvm;

import dev.wasmgrid.llm.PackedMatrix;
import dev.wasmgrid.llm.TensorType;
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
   * {@code outs[v] = p · xs[v]} for v in [0, n), p's rows at {@code weights} ({@link #weights}).
   */
  void matmul(PackedMatrix p, long weights, float[][] xs, float[][] outs, int n, Split split) {
    int rows = p.rows();
    int cols = p.cols();
    Scratch s = scratch.get().fit(n, cols, rows);
    for (int v = 0; v < n; v++) {
      s.x.put(v * cols, xs[v], 0, cols);
    }
    TensorType type = p.type();
    NativeKernels.quantize(s.xAt, n, cols, inputBlock(type), s.qAt, s.dAt, s.sumAt);
    long rowBytes = p.rowBytes();
    long q = s.qAt;
    long d = s.dAt;
    long sums = s.sumAt;
    long out = s.outAt;
    try {
      split.run(
          rows,
          (from, to) ->
              NativeKernels.rows(
                  type, weights, rowBytes, from, to, cols, q, d, sums, n, out, rows, width));
    } finally {
      // The mapping must outlive the calls that read it.
      Reference.reachabilityFence(p);
    }
    for (int v = 0; v < n; v++) {
      s.out.get(v * rows, outs[v], 0, rows);
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
