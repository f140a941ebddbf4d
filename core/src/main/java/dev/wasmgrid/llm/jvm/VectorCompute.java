package dev.wasmgrid.llm.jvm;

import dev.wasmgrid.llm.Compute;
import dev.wasmgrid.llm.F32Matrix;
import dev.wasmgrid.llm.PackedMatrix;
import dev.wasmgrid.llm.Q8Matrix;
import dev.wasmgrid.llm.ScalarCompute;
import dev.wasmgrid.llm.TensorType;
import dev.wasmgrid.llm.WeightMatrix;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The JVM fast path: Vector API dot products at the preferred width (AVX-512 where there is one),
 * four rows at a time from four places in the matrix so that FMA chains and memory streams overlap,
 * quantized rows widened from bytes to floats in registers, packed rows ({@link PackedMatrix})
 * dotted in registers for Q4_K, Q5_K, Q6_K, Q8_0 and Q4_0 ({@link PackedKernels}) and decoded into
 * a scratch row per thread for the other types, and a product's rows split over a small fixed pool
 * of threads.
 */
public final class VectorCompute implements Compute {

  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final int L = F.length();

  /** Bytes with as many lanes as {@link #F}; null when floats are too narrow for a byte shape. */
  private static final VectorSpecies<Byte> B =
      L * 8 >= 64 ? VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8)) : null;

  /** Bytes of packed rows copied from a mapped file at once. */
  private static final int PACKED_READ = 16 * 1024;

  /** Fewer rows than this are not worth handing to another thread. */
  private static final int MIN_ROWS_PER_THREAD = 64;

  private final int threads;
  private final ExecutorService pool;
  private final ScalarCompute fallback = new ScalarCompute();

  /** A fast path on {@code threads} threads: the caller's and {@code threads - 1} pool threads. */
  public VectorCompute(int threads) {
    if (threads < 1 || threads > 256) {
      throw new IllegalArgumentException("threads must be in [1, 256], got " + threads);
    }
    this.threads = threads;
    this.pool =
        threads == 1
            ? null
            : Executors.newFixedThreadPool(
                threads - 1, r -> Thread.ofPlatform().daemon().name("llm-matvec").unstarted(r));
  }

  @Override
  public String name() {
    return "vector-" + F.vectorBitSize() + "x" + threads;
  }

  @Override
  public void matvec(WeightMatrix w, float[] x, float[] out) {
    split(w.rows(), (from, to) -> rows(w, x, out, from, to));
  }

  /** Work on a range of output rows: [from, to). */
  @FunctionalInterface
  private interface RowTask {
    void run(int from, int to);
  }

  /** Runs {@code task} over [0, rows) split in contiguous ranges over the threads. */
  private void split(int rows, RowTask task) {
    int parts = pool == null ? 1 : Math.min(threads, Math.max(1, rows / MIN_ROWS_PER_THREAD));
    if (parts == 1) {
      task.run(0, rows);
      return;
    }
    int chunk = (rows + parts - 1) / parts;
    List<Future<?>> others = new ArrayList<>(parts - 1);
    for (int p = 1; p < parts; p++) {
      int from = p * chunk;
      int to = Math.min(rows, from + chunk);
      others.add(pool.submit(() -> task.run(from, to)));
    }
    task.run(0, Math.min(rows, chunk));
    for (Future<?> f : others) {
      try {
        f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted in a matrix-vector product", e);
      } catch (ExecutionException e) {
        throw new IllegalStateException("matrix-vector product failed", e.getCause());
      }
    }
  }

  /**
   * Rows [from, to) as four interleaved streams: row i of each quarter of the range at once. Four
   * independent sequential streams keep more memory requests in flight than one; on this machine
   * that doubles the bandwidth one core draws from DRAM (~10 to ~20 GB/s), and a product of a
   * matrix larger than the caches is bound by exactly that.
   */
  private void rows(WeightMatrix w, float[] x, float[] out, int from, int to) {
    int quarter = (to - from) / 4;
    if (w instanceof F32Matrix f) {
      float[] data = f.data();
      int cols = f.cols();
      int r = from;
      if (cols % L == 0) {
        for (; r < from + quarter; r++) {
          dotF32x4(data, x, cols, out, r, quarter);
        }
        r = from + 4 * quarter;
      }
      for (; r < to; r++) {
        out[r] = dotF32(data, r * cols, x, cols);
      }
    } else if (w instanceof PackedMatrix p) {
      packed(p, x, out, from, to);
    } else if (B != null) {
      Q8Matrix q = (Q8Matrix) w;
      int groups = q.cols() / Q8Matrix.GROUP;
      for (int r = from; r < from + quarter; r++) {
        dotQ8x4(q.quants(), q.scales(), x, groups, out, r, quarter);
      }
      for (int r = from + 4 * quarter; r < to; r++) {
        out[r] = dotQ8(q.quants(), r * q.cols(), q.scales(), r * groups, x, groups);
      }
    } else {
      fallback.matvec(w, x, out);
    }
  }

  /**
   * Q4_K, Q5_K, Q6_K, Q8_0 and Q4_0 rows through their kernels (x quantized once for those that
   * multiply integers), other packed rows decoded into a scratch row. The blocks are first copied
   * from the mapped file into a scratch array, whole rows of up to {@value #PACKED_READ} bytes at a
   * time (small enough to stay in L1); the kernels then read a plain array.
   */
  private static void packed(PackedMatrix p, float[] x, float[] out, int from, int to) {
    TensorType type = p.type();
    boolean kernel =
        PackedKernels.SUPPORTED
            && switch (type) {
              case Q4_K, Q5_K, Q6_K, Q8_0, Q4_0 -> true;
              default -> false;
            };
    int rowBytes = p.rowBytes();
    if (!kernel) {
      float[] row = new float[p.cols()];
      byte[] blocks = new byte[rowBytes];
      for (int r = from; r < to; r++) {
        p.row(r, row, blocks);
        out[r] = dotF32(row, 0, x, row.length);
      }
      return;
    }
    int batch = Math.max(1, Math.min(to - from, PACKED_READ / rowBytes));
    byte[] blocks = new byte[batch * rowBytes];
    int n = p.cols() / type.blockSize();
    short[] xq = new short[p.cols()];
    float[] xScales = new float[p.cols() / PackedKernels.GROUP];
    float[] xSums = new float[xScales.length];
    if (type == TensorType.Q4_K || type == TensorType.Q8_0 || type == TensorType.Q4_0) {
      PackedKernels.quantizeActivations(x, xq, xScales, xSums);
    } else {
      xSums = PackedKernels.blockSums(x, PackedKernels.GROUP);
    }
    for (int r = from; r < to; r += batch) {
      int count = Math.min(batch, to - r);
      p.readRows(r, count, blocks);
      for (int i = 0, at = 0; i < count; i++, at += rowBytes) {
        out[r + i] =
            switch (type) {
              case Q4_K -> KQuantKernels.dotQ4K(blocks, at, n, xq, xScales, xSums);
              case Q5_K -> KQuantKernels.dotQ5K(blocks, at, n, x, xSums);
              case Q6_K -> KQuantKernels.dotQ6K(blocks, at, n, x);
              case Q8_0 -> PackedKernels.dotQ80(blocks, at, n, xq, xScales);
              default -> PackedKernels.dotQ40(blocks, at, n, xq, xScales, xSums);
            };
      }
    }
  }

  @Override
  public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
    FloatVector acc = FloatVector.zero(F);
    int i = 0;
    for (int bound = F.loopBound(n); i < bound; i += L) {
      acc = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc);
    }
    float sum = acc.reduceLanes(VectorOperators.ADD);
    for (; i < n; i++) {
      sum += a[aOff + i] * b[bOff + i];
    }
    return sum;
  }

  @Override
  public void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
    FloatVector av = FloatVector.broadcast(F, a);
    int i = 0;
    for (int bound = F.loopBound(n); i < bound; i += L) {
      FloatVector.fromArray(F, x, xOff + i)
          .fma(av, FloatVector.fromArray(F, y, yOff + i))
          .intoArray(y, yOff + i);
    }
    for (; i < n; i++) {
      y[yOff + i] += a * x[xOff + i];
    }
  }

  private static float dotF32(float[] w, int off, float[] x, int n) {
    FloatVector a0 = FloatVector.zero(F);
    FloatVector a1 = FloatVector.zero(F);
    FloatVector a2 = FloatVector.zero(F);
    FloatVector a3 = FloatVector.zero(F);
    int i = 0;
    for (int bound = n - n % (4 * L); i < bound; i += 4 * L) {
      a0 = FloatVector.fromArray(F, w, off + i).fma(FloatVector.fromArray(F, x, i), a0);
      a1 = FloatVector.fromArray(F, w, off + i + L).fma(FloatVector.fromArray(F, x, i + L), a1);
      a2 =
          FloatVector.fromArray(F, w, off + i + 2 * L)
              .fma(FloatVector.fromArray(F, x, i + 2 * L), a2);
      a3 =
          FloatVector.fromArray(F, w, off + i + 3 * L)
              .fma(FloatVector.fromArray(F, x, i + 3 * L), a3);
    }
    for (int bound = F.loopBound(n); i < bound; i += L) {
      a0 = FloatVector.fromArray(F, w, off + i).fma(FloatVector.fromArray(F, x, i), a0);
    }
    float sum = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    for (; i < n; i++) {
      sum += w[off + i] * x[i];
    }
    return sum;
  }

  /**
   * Rows r, r + stride, r + 2·stride, r + 3·stride, one accumulator each: every x vector is loaded
   * once for four rows, and four independent FMA chains and memory streams run side by side. {@code
   * n} must be a multiple of L.
   */
  private static void dotF32x4(float[] w, float[] x, int n, float[] out, int r, int stride) {
    FloatVector a0 = FloatVector.zero(F);
    FloatVector a1 = FloatVector.zero(F);
    FloatVector a2 = FloatVector.zero(F);
    FloatVector a3 = FloatVector.zero(F);
    int o0 = r * n;
    int o1 = (r + stride) * n;
    int o2 = (r + 2 * stride) * n;
    int o3 = (r + 3 * stride) * n;
    for (int i = 0; i < n; i += L) {
      FloatVector xv = FloatVector.fromArray(F, x, i);
      a0 = FloatVector.fromArray(F, w, o0 + i).fma(xv, a0);
      a1 = FloatVector.fromArray(F, w, o1 + i).fma(xv, a1);
      a2 = FloatVector.fromArray(F, w, o2 + i).fma(xv, a2);
      a3 = FloatVector.fromArray(F, w, o3 + i).fma(xv, a3);
    }
    out[r] = a0.reduceLanes(VectorOperators.ADD);
    out[r + stride] = a1.reduceLanes(VectorOperators.ADD);
    out[r + 2 * stride] = a2.reduceLanes(VectorOperators.ADD);
    out[r + 3 * stride] = a3.reduceLanes(VectorOperators.ADD);
  }

  /** Quantized rows r, r + stride, r + 2·stride, r + 3·stride, as {@link #dotF32x4}. */
  private static void dotQ8x4(
      byte[] q, float[] scales, float[] x, int groups, float[] out, int r, int stride) {
    int cols = groups * Q8Matrix.GROUP;
    int q0 = r * cols;
    int q1 = (r + stride) * cols;
    int q2 = (r + 2 * stride) * cols;
    int q3 = (r + 3 * stride) * cols;
    int s0 = r * groups;
    int s1 = (r + stride) * groups;
    int s2 = (r + 2 * stride) * groups;
    int s3 = (r + 3 * stride) * groups;
    FloatVector a0 = FloatVector.zero(F);
    FloatVector a1 = FloatVector.zero(F);
    FloatVector a2 = FloatVector.zero(F);
    FloatVector a3 = FloatVector.zero(F);
    for (int g = 0; g < groups; g++) {
      int base = g * Q8Matrix.GROUP;
      FloatVector g0 = FloatVector.zero(F);
      FloatVector g1 = FloatVector.zero(F);
      FloatVector g2 = FloatVector.zero(F);
      FloatVector g3 = FloatVector.zero(F);
      for (int j = 0; j < Q8Matrix.GROUP; j += L) {
        FloatVector xv = FloatVector.fromArray(F, x, base + j);
        g0 = widen(q, q0 + base + j).fma(xv, g0);
        g1 = widen(q, q1 + base + j).fma(xv, g1);
        g2 = widen(q, q2 + base + j).fma(xv, g2);
        g3 = widen(q, q3 + base + j).fma(xv, g3);
      }
      a0 = g0.fma(FloatVector.broadcast(F, scales[s0 + g]), a0);
      a1 = g1.fma(FloatVector.broadcast(F, scales[s1 + g]), a1);
      a2 = g2.fma(FloatVector.broadcast(F, scales[s2 + g]), a2);
      a3 = g3.fma(FloatVector.broadcast(F, scales[s3 + g]), a3);
    }
    out[r] = a0.reduceLanes(VectorOperators.ADD);
    out[r + stride] = a1.reduceLanes(VectorOperators.ADD);
    out[r + 2 * stride] = a2.reduceLanes(VectorOperators.ADD);
    out[r + 3 * stride] = a3.reduceLanes(VectorOperators.ADD);
  }

  private static FloatVector widen(byte[] q, int off) {
    return (FloatVector) ByteVector.fromArray(B, q, off).convertShape(VectorOperators.B2F, F, 0);
  }

  /** Σ over groups of scale · Σ q·x, two groups per step into separate accumulators. */
  private static float dotQ8(byte[] q, int qOff, float[] scales, int sOff, float[] x, int groups) {
    FloatVector acc0 = FloatVector.zero(F);
    FloatVector acc1 = FloatVector.zero(F);
    int g = 0;
    for (; g + 1 < groups; g += 2) {
      acc0 =
          group(q, qOff + g * Q8Matrix.GROUP, x, g * Q8Matrix.GROUP)
              .fma(FloatVector.broadcast(F, scales[sOff + g]), acc0);
      acc1 =
          group(q, qOff + (g + 1) * Q8Matrix.GROUP, x, (g + 1) * Q8Matrix.GROUP)
              .fma(FloatVector.broadcast(F, scales[sOff + g + 1]), acc1);
    }
    if (g < groups) {
      acc0 =
          group(q, qOff + g * Q8Matrix.GROUP, x, g * Q8Matrix.GROUP)
              .fma(FloatVector.broadcast(F, scales[sOff + g]), acc0);
    }
    return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
  }

  private static FloatVector group(byte[] q, int qOff, float[] x, int xOff) {
    FloatVector sum = FloatVector.zero(F);
    for (int j = 0; j < Q8Matrix.GROUP; j += L) {
      sum = widen(q, qOff + j).fma(FloatVector.fromArray(F, x, xOff + j), sum);
    }
    return sum;
  }

  @Override
  public void close() {
    if (pool != null) {
      pool.shutdownNow();
    }
  }
}
