package dev.wasmgrid.llm.jvm;

import dev.wasmgrid.llm.Compute;
import dev.wasmgrid.llm.F32Matrix;
import dev.wasmgrid.llm.KvStore;
import dev.wasmgrid.llm.LlamaConfig;
import dev.wasmgrid.llm.PackedMatrix;
import dev.wasmgrid.llm.Q8Matrix;
import dev.wasmgrid.llm.ScalarCompute;
import dev.wasmgrid.llm.TensorType;
import dev.wasmgrid.llm.WeightMatrix;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The JVM fast path: Vector API dot products at the preferred width (AVX-512 where there is one),
 * four rows at a time from four places in the matrix so that FMA chains and memory streams overlap,
 * quantized rows widened from bytes to floats in registers, packed rows ({@link PackedMatrix})
 * multiplied as bytes by the native kernels where they run ({@link NativeKernels}: Q8_0, Q4_0,
 * Q5_0, Q4_1, Q5_1, Q2_K to Q6_K, IQ4_NL and IQ4_XS of a mapped file), else dotted in registers for
 * Q4_K, Q5_K, Q6_K, IQ4_NL and IQ4_XS ({@link KQuantKernels}), widened a few rows at a time for
 * Q8_0 and Q4_0 ({@link WidenedBlocks}) and decoded into a scratch row per thread for the other
 * types, and a product's rows split over a persistent team of threads ({@link RowTeam}).
 */
public final class VectorCompute implements Compute {

  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final int L = F.length();

  /** Bytes of packed rows copied from a mapped file at once. */
  private static final int PACKED_READ = 16 * 1024;

  /** Vectors a batched kernel dots with one row at a time, loading each weight once for all. */
  private static final int VECTORS = 4;

  /** Fewer rows than this are not worth handing to another thread. */
  private static final int MIN_ROWS_PER_THREAD = 64;

  /**
   * Nor fewer weight bytes (times the vectors) than this: a thread's share of stories15M's output
   * product (288 × 288, Q4_0: 23 KB) is ~1 µs of work, about what handing it to another thread
   * costs. With such products on the caller alone, one stream of stories15M on 2 threads took
   * 0.78–1.10× the time per token for Q4_0 (four pairs of runs, two builds alternating in one JVM,
   * both orders; ~0.94 overall), 0.94× for Q8_0, 0.98× for Q4_K_M; stories110M's products are all
   * larger.
   */
  private static final long MIN_BYTES_PER_THREAD = 64 * 1024;

  /**
   * A thread's share of this much work (weight bytes times vectors) or more goes in {@link
   * #CHUNKS_PER_THREAD} chunks, which a thread that has finished its own share takes from another's
   * ({@link RowTeam}): the two cores of a shared host ran equal halves of a product 5–20 % apart,
   * the faster one then waiting for the other. Smaller shares stay one chunk: each is a few
   * microseconds, where a claim more is worth what the balance gains.
   */
  private static final long BALANCED_BYTES_PER_THREAD = 1024 * 1024;

  private static final int CHUNKS_PER_THREAD = 4;

  /**
   * Chunks start at multiples of this many rows: of 4, so that every row goes through the same
   * four-row kernel as on one thread (the results are bit for bit those of one thread), and of 16,
   * so that no two threads write floats of one cache line of the output.
   */
  private static final int CHUNK_ALIGN = 16;

  /**
   * The most threads {@link #autoThreads} picks: decoding reads every weight once a token, and
   * memory bandwidth stops growing after a few cores (on a 2-core EPYC a C read loop streams 36
   * GB/s on one thread, 40 on two), while every thread more is one more that a product may wait on.
   */
  private static final int MAX_AUTO_THREADS = 8;

  /** Largest batch whose passes may run on the caller alone ({@link ThreadChoice}). */
  private static final int MAX_CHOSEN_ENTRIES = 8;

  private final int threads;
  private final TensorType kv;
  private final RowTeam team;
  private final ThreadChoice[] choices = new ThreadChoice[MAX_CHOSEN_ENTRIES + 1];
  private final ScalarCompute fallback = new ScalarCompute();
  private final NativeProducts natives = new NativeProducts(0);
  private final NativeProducts.Split splitter = this::split;
  private final NativeExps nativeExps = NativeKernels.available() ? new NativeExps(0) : null;
  // From a few spares, like the native products' scratch: not one per calling thread.
  private final Spares<RowsJob> rowsJobs = new Spares<>(RowsJob::new);
  // Per thread that runs rows (the caller's and the team's), so that a chunk allocates nothing.
  private final ThreadLocal<RowScratch> rowScratch = ThreadLocal.withInitial(RowScratch::new);

  /**
   * A fast path on {@code threads} threads: the caller's and {@code threads - 1} more; its KV
   * caches of {@link #defaultKvType()}.
   */
  public VectorCompute(int threads) {
    this(threads, defaultKvType());
  }

  /**
   * A fast path on {@code threads} threads whose KV caches keep {@code kv} values: {@link
   * TensorType#F16} (off the heap, attended by the native kernels, where they run and a head's size
   * is a multiple of 8; float arrays elsewhere) or {@link TensorType#F32}.
   */
  public VectorCompute(int threads, TensorType kv) {
    if (threads < 1 || threads > 256) {
      throw new IllegalArgumentException("threads must be in [1, 256], got " + threads);
    }
    if (kv != TensorType.F16 && kv != TensorType.F32) {
      throw new IllegalArgumentException("a KV cache keeps f16 or f32 values, not " + kv);
    }
    this.threads = threads;
    this.kv = kv;
    this.team = threads == 1 ? null : new RowTeam(threads, "llm-rows");
    for (int n = 1; n < choices.length; n++) {
      choices[n] = new ThreadChoice();
    }
  }

  /**
   * Passes of up to {@value #MAX_CHOSEN_ENTRIES} entries (decoding, concurrent streams) run on the
   * team or on the caller alone, whichever their own passes found faster ({@link ThreadChoice});
   * larger ones (prompts) always on the team. Either way every row is computed by the same kernel,
   * so the results are the same.
   */
  @Override
  public void pass(int entries, Runnable body) {
    if (team == null || entries < 1 || entries > MAX_CHOSEN_ENTRIES) {
      body.run();
      return;
    }
    ThreadChoice choice = choices[entries];
    boolean solo = choice.nextSolo();
    if (solo) {
      team.soloFor(Thread.currentThread());
    }
    long start = System.nanoTime();
    try {
      body.run();
    } finally {
      if (solo) {
        team.soloFor(null);
      }
    }
    choice.record(solo, System.nanoTime() - start);
  }

  /**
   * The types whose matrices, held as views of a mapped file, this JVM's native kernels multiply
   * ({@link NativeKernels}: F32 by x as it is, the others with x quantized to 8 bits); none where
   * they do not run here.
   */
  public static Set<TensorType> nativeTypes() {
    return NativeKernels.types();
  }

  /**
   * The block of x that this path's products of {@code w} quantize to 8 bits under one scale: 32 or
   * 256 values, or 0 where they take x as it is. A quantized product may differ from the exact one
   * by half a step per value, Σ |w| · amax / 254 with amax that of each value's block.
   */
  public static int quantizedInputBlock(WeightMatrix w) {
    if (!(w instanceof PackedMatrix p)) {
      return 0;
    }
    if (NativeProducts.weights(p) != 0) {
      return NativeProducts.inputBlock(p.type());
    }
    return p.type() == TensorType.Q4_K && PackedKernels.SUPPORTED ? PackedKernels.GROUP : 0;
  }

  /**
   * Threads for a model's compute when none are asked for: one per processor this JVM may use, at
   * most {@value #MAX_AUTO_THREADS}; more threads than cores would leave a product waiting for a
   * thread the system has put aside. A model's concurrent generations share its passes, and so
   * these threads.
   */
  public static int autoThreads() {
    return Math.clamp(Runtime.getRuntime().availableProcessors(), 1, MAX_AUTO_THREADS);
  }

  @Override
  public String name() {
    String name = "vector-" + F.vectorBitSize() + "x" + threads;
    return switch (NativeKernels.width()) {
      case 0 -> name;
      case 256 -> name + "+native-avx2";
      default -> name + "+native-avx512";
    };
  }

  @Override
  public void prepare(WeightMatrix w) {
    if (w instanceof PackedMatrix p) {
      natives.prepare(p);
    }
  }

  @Override
  public void matvec(WeightMatrix w, float[] x, float[] out) {
    matmul(w, new float[][] {x}, new float[][] {out}, 1);
  }

  /**
   * Each range of rows is read once for all {@code n} vectors: a group of rows small enough to stay
   * in L1 is dotted with every vector before the next group is read. Every row's sum is taken by
   * the same kernel, in the same order, whichever the group, range or thread, so the result for a
   * vector does not depend on the others in the batch nor on the thread count.
   */
  @Override
  public void matmul(WeightMatrix w, float[][] xs, float[][] outs, int n) {
    if (w instanceof PackedMatrix p && natives.matmul(p, xs, outs, n, splitter)) {
      return;
    }
    RowsJob job = rowsJobs.take();
    try {
      // Once per product, not once per thread's rows.
      job.set(w, xs, outs, n, job.inputs.fill(w, xs, n) ? job.inputs : null);
      split(w.rows(), 1, w.bytes() * n, job);
    } finally {
      job.clear();
      rowsJobs.give(job);
    }
  }

  /**
   * A product by this path's own kernels as the team's job, with its inputs, reused product after
   * product so that a product allocates nothing.
   */
  private final class RowsJob implements RangeTask {
    private final PackedInputs inputs = new PackedInputs();
    private WeightMatrix w;
    private float[][] xs;
    private float[][] outs;
    private int n;
    private PackedInputs in;

    void set(WeightMatrix w, float[][] xs, float[][] outs, int n, PackedInputs in) {
      this.w = w;
      this.xs = xs;
      this.outs = outs;
      this.n = n;
      this.in = in;
    }

    void clear() {
      set(null, null, null, 0, null);
    }

    @Override
    public void run(int from, int to) {
      rows(w, xs, outs, n, in, from, to);
    }
  }

  /**
   * Where every matrix is one the native kernels take and all quantize x alike, one product: x
   * quantized once, and all their rows one piece of work for the team (for attention's q, k and v
   * on stories15M, three jobs of ~1.6 µs of work each, with the caller waiting ~1 µs per job for
   * the other thread's share, become one); else each on its own.
   */
  @Override
  public void matmuls(WeightMatrix[] ws, float[][] xs, float[][][] outs, int n) {
    if (NativeProducts.shared(ws)) {
      natives.matmuls(ws, xs, outs, n, splitter);
      return;
    }
    for (int m = 0; m < ws.length; m++) {
      matmul(ws[m], xs, outs[m], n);
    }
  }

  /**
   * Where the native kernels take every matrix alike ({@link #matmuls}), each thread runs {@code
   * after} on the units it computed as soon as it has them (SwiGLU on a thread's own units: as a
   * job of its own after the products, each thread first read the units the other had written, ~5–9
   * µs a layer for 384 units of stories15M on 2 threads against 0.5 µs of arithmetic).
   */
  @Override
  public void matmulsThen(
      WeightMatrix[] ws, float[][] xs, float[][][] outs, int n, int units, RangeTask after) {
    if (NativeProducts.shared(ws)) {
      natives.matmulsThen(ws, xs, outs, n, units, after, splitter);
    } else {
      Compute.super.matmulsThen(ws, xs, outs, n, units, after);
    }
  }

  /**
   * The vectors as the packed kernels take them: quantized to 8 bits per 32 ({@code xq}, {@code
   * xScales}, {@code xSums}) for the types that multiply integers, summed per 32 ({@code xSums})
   * for the others. One per job, refilled product after product: arrays grow, never shrink, and a
   * kernel reads only a row's worth of them.
   */
  private static final class PackedInputs {
    private short[][] xq = new short[0][];
    private float[][] xScales = new float[0][];
    private float[][] xSums = new float[0][];

    /**
     * Fills in the inputs of {@code w}'s kernel for {@code xs[0..n)}: sums per 32 for a {@link
     * Q8Matrix} with offsets, those of a packed type's kernel; false where none are needed (packed
     * rows decoded to floats, too).
     */
    boolean fill(WeightMatrix w, float[][] xs, int n) {
      if (w instanceof Q8Matrix q && q.offsets() != null) {
        int groups = q.cols() / q.group();
        fit(n, 0, groups);
        for (int v = 0; v < n; v++) {
          Q8Matrix.groupSums(xs[v], q.group(), groups, xSums[v]);
        }
        return true;
      }
      if (!(w instanceof PackedMatrix p)) {
        return false;
      }
      TensorType type = p.type();
      boolean kernel =
          PackedKernels.SUPPORTED
              && switch (type) {
                case Q4_K, Q5_K, Q6_K -> true;
                default -> false;
              };
      if (!kernel) {
        return false;
      }
      int groups = p.cols() / PackedKernels.GROUP;
      boolean integer = type == TensorType.Q4_K;
      fit(n, integer ? p.cols() : 0, groups);
      for (int v = 0; v < n; v++) {
        if (integer) {
          PackedKernels.quantizeActivations(xs[v], p.cols(), xq[v], xScales[v], xSums[v]);
        } else {
          Q8Matrix.groupSums(xs[v], PackedKernels.GROUP, groups, xSums[v]);
        }
      }
      return true;
    }

    private void fit(int n, int values, int groups) {
      if (xSums.length < n) {
        xq = Arrays.copyOf(xq, n);
        xScales = Arrays.copyOf(xScales, n);
        xSums = Arrays.copyOf(xSums, n);
      }
      for (int v = 0; v < n; v++) {
        if (xq[v] == null || xq[v].length < values) {
          xq[v] = new short[values];
        }
        if (xSums[v] == null || xSums[v].length < groups) {
          xScales[v] = new float[groups];
          xSums[v] = new float[groups];
        }
      }
    }
  }

  /**
   * One thread's scratch for the Java kernels' rows: packed blocks as read, widened bytes and
   * scales, a decoded row. Arrays grow, never shrink; the kernels are given the lengths to use.
   */
  private static final class RowScratch {
    private byte[] blocks = new byte[0];
    private byte[] quants = new byte[0];
    private float[] scales = new float[0];
    private float[] row = new float[0];

    byte[] blocks(int length) {
      blocks = grown(blocks, length);
      return blocks;
    }

    byte[] quants(int length) {
      quants = grown(quants, length);
      return quants;
    }

    float[] scales(int length) {
      scales = grown(scales, length);
      return scales;
    }

    float[] row(int length) {
      row = grown(row, length);
      return row;
    }

    private static byte[] grown(byte[] a, int length) {
      return a.length < length ? new byte[length] : a;
    }

    private static float[] grown(float[] a, int length) {
      return a.length < length ? new float[length] : a;
    }
  }

  @Override
  public void swiglu(float[] gate, float[] up, int from, int to) {
    ActivationKernels.swiglu(gate, up, from, to);
  }

  @Override
  public void softmax(float[] v, int n) {
    ActivationKernels.softmax(v, n);
  }

  /** A vector at a time: ~5 µs for 32,000 logits against 10–14 scalar (one Zen 5 core). */
  @Override
  public int argmax(float[] v, int n) {
    return Argmax.of(v, n);
  }

  /**
   * By the native kernels where they run (~30 µs for 32,000 values against 60–130 in Java), else
   * scalar.
   */
  @Override
  public float expsSum(float[] v, int n) {
    return nativeExps == null ? Compute.super.expsSum(v, n) : nativeExps.expsSum(v, n);
  }

  @Override
  public void parallel(int n, RangeTask task) {
    if (team == null || n < 2) {
      task.run(0, n);
    } else {
      team.run(n, (n + threads - 1) / threads, task);
    }
  }

  /**
   * Runs {@code task} over [0, units) split in contiguous ranges over the threads, each unit {@code
   * unitRows} rows of a product (1 but for {@link #matmulsThen}'s), at least {@value
   * #MIN_ROWS_PER_THREAD} rows and {@link #MIN_BYTES_PER_THREAD} of {@code work} (weight bytes
   * times vectors) a thread, else on the caller alone; every row is computed by one thread, so the
   * result does not depend on the thread count.
   */
  private void split(int units, int unitRows, long work, RangeTask task) {
    long rows = (long) units * unitRows;
    long most = Math.min(rows / MIN_ROWS_PER_THREAD, work / MIN_BYTES_PER_THREAD);
    int parts = team == null ? 1 : (int) Math.min(Math.min(threads, units), most);
    if (parts <= 1) {
      task.run(0, units);
      return;
    }
    // Each thread owns the same rows token after token; a late worker's chunks go to the caller,
    // and where the shares are large, a thread that finishes early takes the other's last chunks.
    int pieces = work / parts >= BALANCED_BYTES_PER_THREAD ? parts * CHUNKS_PER_THREAD : parts;
    int chunk = (units + pieces - 1) / pieces;
    // Whole units whose rows make a multiple of CHUNK_ALIGN.
    int align = CHUNK_ALIGN / Math.min(CHUNK_ALIGN, Integer.lowestOneBit(unitRows));
    team.run(units, (chunk + align - 1) / align * align, task);
  }

  /**
   * Rows [from, to) as four interleaved streams: row i of each quarter of the range at once. Four
   * independent sequential streams keep more memory requests in flight than one; on this machine
   * that doubles the bandwidth one core draws from DRAM (~10 to ~20 GB/s), and a product of a
   * matrix larger than the caches is bound by exactly that.
   */
  private void rows(
      WeightMatrix w, float[][] xs, float[][] outs, int n, PackedInputs in, int from, int to) {
    if (w instanceof F32Matrix f) {
      f32Rows(f.data(), f.cols(), xs, outs, n, from, to);
    } else if (w instanceof PackedMatrix p) {
      if (RowKernels.Q8_SUPPORTED && WidenedBlocks.handles(p.type())) {
        widened(p, xs, outs, n, from, to);
      } else {
        packed(p, xs, outs, n, in, from, to);
      }
    } else if (w instanceof Q8Matrix q && RowKernels.takesGroups(q.group())) {
      int groups = q.cols() / q.group();
      q8Rows(q.quants(), q.scales(), groups, q.group(), xs, outs, n, from, to, from);
      if (q.offsets() != null) {
        subtractOffsets(q.offsets(), groups, in.xSums, outs, n, from, to);
      }
    } else {
      for (int v = 0; v < n; v++) {
        fallback.matvec(w, xs[v], outs[v]);
      }
    }
  }

  /**
   * F32 rows [from, to) as four interleaved streams (rows r + i·quarter, when a row is whole
   * vectors): for each four rows, every four vectors by the four-vector kernel row by row, then
   * each vector left four rows at once.
   */
  private static void f32Rows(
      float[] data, int cols, float[][] xs, float[][] outs, int n, int from, int to) {
    int quarter = cols % L == 0 ? (to - from) / 4 : 0;
    for (int r = from; r < from + quarter; r++) {
      int v = 0;
      for (; v + VECTORS <= n; v += VECTORS) {
        for (int i = 0; i < 4; i++) {
          int row = r + i * quarter;
          RowKernels.dotF32v4(data, row * cols, xs, outs, v, cols, row);
        }
      }
      for (; v < n; v++) {
        RowKernels.dotF32x4(data, xs[v], cols, outs[v], r, quarter);
      }
    }
    for (int r = from + 4 * quarter; r < to; r++) {
      int v = 0;
      for (; v + VECTORS <= n; v += VECTORS) {
        RowKernels.dotF32v4(data, r * cols, xs, outs, v, cols, r);
      }
      for (; v < n; v++) {
        outs[v][r] = RowKernels.dotF32(data, r * cols, xs[v], cols);
      }
    }
  }

  /**
   * Rows [from, to) held as bytes and a scale per {@code size} (32 or 16), their weights from row
   * {@code wFrom} of {@code q} and {@code scales}, as four interleaved streams (rows r +
   * i·quarter): for each four rows, every four vectors by the four-vector kernel row by row, then a
   * pair of vectors two rows at a time, then a last vector four rows at once, so each weight is
   * widened once per kernel and all vectors of a batch take the four rows from L1.
   */
  private static void q8Rows(
      byte[] q,
      float[] scales,
      int groups,
      int size,
      float[][] xs,
      float[][] outs,
      int n,
      int from,
      int to,
      int wFrom) {
    int shift = wFrom - from;
    int cols = groups * size;
    boolean small = size == Group16Kernels.GROUP;
    int quarter = (to - from) / 4;
    for (int r = from; r < from + quarter; r++) {
      int v = 0;
      for (; v + VECTORS <= n; v += VECTORS) {
        for (int i = 0; i < 4; i++) {
          int row = r + i * quarter;
          if (small) {
            Group16Kernels.dotV4(q, scales, xs, outs, v, groups, row, row + shift);
          } else {
            RowKernels.dotQ8v4(q, scales, xs, outs, v, groups, row, row + shift);
          }
        }
      }
      if (n - v >= 2) {
        for (int i = 0; i < 4; i += 2) {
          int row = r + i * quarter;
          if (small) {
            Group16Kernels.dotR2V2(q, scales, xs, outs, v, groups, row, quarter, row + shift);
          } else {
            RowKernels.dotQ8r2v2(q, scales, xs, outs, v, groups, row, quarter, row + shift);
          }
        }
        v += 2;
      }
      if (v < n) {
        if (small) {
          Group16Kernels.dotX4(q, scales, xs[v], groups, outs[v], r, quarter, r + shift);
        } else {
          RowKernels.dotQ8x4(q, scales, xs[v], groups, outs[v], r, quarter, r + shift);
        }
      }
    }
    for (int r = from + 4 * quarter; r < to; r++) {
      int qOff = (r + shift) * cols;
      int sOff = (r + shift) * groups;
      for (int v = 0; v < n; v++) {
        outs[v][r] =
            small
                ? Group16Kernels.dot(q, qOff, scales, sOff, xs[v], groups)
                : RowKernels.dotQ8(q, qOff, scales, sOff, xs[v], groups);
      }
    }
  }

  /**
   * Subtracts Σ offset · Σ x over each row's groups, summed as {@link RowKernels#dotF32} sums, from
   * rows [from, to) of every output: the offsets' share of a {@link Q8Matrix} product, the same
   * floats whichever kernel took the row.
   */
  private static void subtractOffsets(
      float[] offsets, int groups, float[][] xSums, float[][] outs, int n, int from, int to) {
    for (int v = 0; v < n; v++) {
      float[] sums = xSums[v];
      float[] out = outs[v];
      for (int r = from; r < to; r++) {
        // A vector dot: a scalar sum's chain of dependent adds cost a Q4_K product a sixth.
        out[r] -= RowKernels.dotF32(offsets, r * groups, sums, groups);
      }
    }
  }

  /**
   * Q8_0 and Q4_0 rows widened a batch at a time ({@link WidenedBlocks}, a batch of {@value
   * #PACKED_READ} packed bytes at most, so that it stays in L1) and dotted as {@link Q8Matrix}
   * rows.
   */
  private void widened(PackedMatrix p, float[][] xs, float[][] outs, int n, int from, int to) {
    int rowBytes = p.rowBytes();
    int groups = p.cols() / Q8Matrix.GROUP;
    // Whole multiples of four rows, so that the four-row kernel takes every row but the last few.
    int batch = Math.min(to - from, Math.max(4, PACKED_READ / rowBytes & ~3));
    RowScratch scratch = rowScratch.get();
    byte[] blocks = scratch.blocks(batch * rowBytes);
    byte[] q = scratch.quants(batch * p.cols());
    float[] scales = scratch.scales(batch * groups);
    for (int r = from; r < to; r += batch) {
      int count = Math.min(batch, to - r);
      p.readRows(r, count, blocks);
      WidenedBlocks.widen(p.type(), blocks, count * groups, q, scales);
      q8Rows(q, scales, groups, Q8Matrix.GROUP, xs, outs, n, r, r + count, 0);
    }
  }

  /**
   * Q4_K, Q5_K, Q6_K, IQ4_NL and IQ4_XS rows through their kernels (each vector quantized once for
   * Q4_K, which multiplies integers), other packed rows decoded into a scratch row. The blocks are
   * first copied from the mapped file into a scratch array, whole rows of up to {@value
   * #PACKED_READ} bytes at a time (small enough to stay in L1); the kernels then read a plain
   * array, once per vector.
   */
  private void packed(
      PackedMatrix p, float[][] xs, float[][] outs, int n, PackedInputs in, int from, int to) {
    TensorType type = p.type();
    int rowBytes = p.rowBytes();
    RowScratch scratch = rowScratch.get();
    if (in == null) {
      float[] row = scratch.row(p.cols());
      byte[] blocks = scratch.blocks(rowBytes);
      for (int r = from; r < to; r++) {
        p.row(r, row, blocks);
        for (int v = 0; v < n; v++) {
          outs[v][r] = RowKernels.dotF32(row, 0, xs[v], p.cols());
        }
      }
      return;
    }
    int batch = Math.max(1, Math.min(to - from, PACKED_READ / rowBytes));
    byte[] blocks = scratch.blocks(batch * rowBytes);
    int blocksPerRow = p.cols() / type.blockSize();
    short[][] xq = in.xq;
    float[][] xScales = in.xScales;
    float[][] xSums = in.xSums;
    for (int r = from; r < to; r += batch) {
      int count = Math.min(batch, to - r);
      p.readRows(r, count, blocks);
      for (int v = 0; v < n; v++) {
        float[] x = xs[v];
        float[] out = outs[v];
        for (int i = 0, at = 0; i < count; i++, at += rowBytes) {
          out[r + i] =
              switch (type) {
                case Q4_K ->
                    KQuantKernels.dotQ4K(blocks, at, blocksPerRow, xq[v], xScales[v], xSums[v]);
                case Q5_K -> KQuantKernels.dotQ5K(blocks, at, blocksPerRow, x, xSums[v]);
                default -> KQuantKernels.dotQ6K(blocks, at, blocksPerRow, x);
              };
        }
      }
    }
  }

  @Override
  public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
    return AttentionKernels.dot(a, aOff, b, bOff, n);
  }

  @Override
  public void dots(
      float[] a, int aOff, float[] b, int bOff, int stride, int n, float[] out, int count) {
    AttentionKernels.dots(a, aOff, b, bOff, stride, n, out, count);
  }

  @Override
  public void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
    AttentionKernels.axpy(a, x, xOff, y, yOff, n);
  }

  @Override
  public void axpys(
      float[] a, int count, float[] x, int xOff, int stride, float[] y, int yOff, int n) {
    AttentionKernels.axpys(a, count, x, xOff, stride, y, yOff, n);
  }

  /**
   * The KV caches' values where nothing says otherwise: F16 as llama.cpp keeps them (half the bytes
   * that attention reads each token), or F32 where {@code -Dwasmgrid.llm.kv} or {@code
   * WASMGRID_LLM_KV} says {@code f32}.
   *
   * @throws IllegalArgumentException where they name another type
   */
  public static TensorType defaultKvType() {
    String named = System.getProperty("wasmgrid.llm.kv", System.getenv("WASMGRID_LLM_KV"));
    return named == null || named.isBlank() ? TensorType.F16 : kvType(named);
  }

  /**
   * The KV cache type {@code named} {@code f16} or {@code f32} (any case).
   *
   * @throws IllegalArgumentException for any other name
   */
  public static TensorType kvType(String named) {
    return switch (named.strip().toLowerCase(Locale.ROOT)) {
      case "f16" -> TensorType.F16;
      case "f32" -> TensorType.F32;
      default ->
          throw new IllegalArgumentException(
              "a KV cache keeps f16 or f32 values, got '" + named + "'");
    };
  }

  /**
   * 16-bit keys and values off the heap, attended by the native kernels, for F16 caches where they
   * run here and a head's size is a multiple of 8; else float arrays.
   */
  @Override
  public KvStore kvStore(LlamaConfig config) {
    return kv == TensorType.F16 && HalfKvStore.takes(config) ? new HalfKvStore(config) : null;
  }

  @Override
  public void close() {
    if (team != null) {
      team.close();
    }
  }
}
