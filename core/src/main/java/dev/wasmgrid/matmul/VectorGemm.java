package dev.wasmgrid.matmul;

/**
 * Pure-Java GEMM on the Vector API ({@code jdk.incubator.vector}, so the JVM needs {@code
 * --add-modules=jdk.incubator.vector}): GotoBLAS-style cache blocking, packed A and B micro-panels
 * and a 4 × 2-vector FMA micro-kernel sized by the CPU's preferred vector species.
 *
 * <p>With {@code threads > 1}, large products split C's rows into bands, one platform thread each
 * (started per call, so there is nothing to close); small ones stay on the calling thread. The
 * summation order differs from {@link ReferenceGemm}, so results agree to rounding, not bitwise.
 */
public final class VectorGemm implements Gemm {

  /*
   * Block sizes for a core with 32 KiB L1d and 512 KiB L2 (AMD Zen 3, 256-bit vectors, here): the
   * KC × NR micro-panel of B (16 KiB) plus the streaming MR × KC one of A fit L1, the MC × KC block
   * of A (192 KiB) takes under half of L2, the KC × NC panel of B a slice of L3. NR doubles in f32
   * so KC stays; MC doubles to keep the A block's size in bytes. Measured: KC 128..512 and MC
   * 48..192 were within noise of each other at n = 1024; smaller MC lost at n = 2048.
   */
  static final BlockedGemm.Blocking F64_BLOCKING = new BlockedGemm.Blocking(256, 96, 4096);
  static final BlockedGemm.Blocking F32_BLOCKING = new BlockedGemm.Blocking(256, 192, 4096);

  private final int threads;
  private final BlockedGemm<double[]> f64;
  private final BlockedGemm<float[]> f32;

  /**
   * A kernel using up to {@code threads} threads per multiplication (1 = the calling thread only).
   *
   * @throws IllegalArgumentException if {@code threads < 1}
   */
  public VectorGemm(int threads) {
    this(threads, F64_BLOCKING, F32_BLOCKING, BlockedGemm.PARALLEL_MIN_MULADDS);
  }

  /** For tests and tuning: other block sizes, and the size from which calls go parallel. */
  VectorGemm(
      int threads,
      BlockedGemm.Blocking f64Blocking,
      BlockedGemm.Blocking f32Blocking,
      long parallelMinMulAdds) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }
    this.threads = threads;
    this.f64 = new BlockedGemm<>(F64Panels.INSTANCE, f64Blocking, threads, parallelMinMulAdds);
    this.f32 = new BlockedGemm<>(F32Panels.INSTANCE, f32Blocking, threads, parallelMinMulAdds);
  }

  /** A kernel that splits every product over its threads, however small: for tests. */
  static VectorGemm alwaysParallel(int threads) {
    return new VectorGemm(threads, F64_BLOCKING, F32_BLOCKING, 0);
  }

  @Override
  public String name() {
    return "vector";
  }

  @Override
  public int threads() {
    return threads;
  }

  @Override
  public void multiply(int m, int k, int n, double[] a, double[] b, double[] c) {
    Gemm.checkShapes(m, k, n, a.length, b.length, c.length);
    f64.multiply(m, k, n, a, b, c);
  }

  @Override
  public void multiply(int m, int k, int n, float[] a, float[] b, float[] c) {
    Gemm.checkShapes(m, k, n, a.length, b.length, c.length);
    f32.multiply(m, k, n, a, b, c);
  }
}
