package dev.wasmgrid.matmul.blas;

import static org.bytedeco.openblas.global.openblas_full.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_full.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_full.cblas_dgemm;
import static org.bytedeco.openblas.global.openblas_full.cblas_sgemm;

import dev.wasmgrid.matmul.Gemm;
import dev.wasmgrid.matmul.GemmSelector;
import dev.wasmgrid.matmul.GemmUnavailableException;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_full;

/**
 * {@link Gemm} on OpenBLAS's {@code cblas_dgemm} and {@code cblas_sgemm}, using the OpenBLAS build
 * bundled in {@code org.bytedeco:openblas} (0.3.31, built with DYNAMIC_ARCH: it picks kernels for
 * the CPU at run time, and {@link #coreName()} says which).
 *
 * <h2>Loading</h2>
 *
 * {@link #load(int)} loads the native library once per process and throws {@link
 * GemmUnavailableException} with the loader's message where it cannot (no native build for the
 * platform, an unwritable JavaCPP cache, ...). It also refuses a library whose version differs from
 * the bundled one: that would be a system OpenBLAS found first, and an old one may misdetect the
 * CPU and run several times slower.
 *
 * <h2>Threads</h2>
 *
 * OpenBLAS keeps one thread count for the whole process ({@code openblas_set_num_threads}). Its
 * per-thread variant {@code openblas_set_num_threads_local} (OpenBLAS 0.3.27 and later) is no help
 * here: the JavaCPP 1.5.13 preset does not bind it, and in this pthreads build it sets the same
 * global anyway (it only differs in OpenMP builds). So instances with different thread counts share
 * the setting through a gate: calls wanting the count that is set run concurrently, and a call
 * wanting another count waits until those have returned, then switches it. Instances with 1 and 2
 * threads can therefore be used side by side, but their calls do not overlap. Nothing else in the
 * process should call {@code openblas_set_num_threads}. OpenBLAS runs small products (m·n·k up to
 * about 64³) on the calling thread whatever the setting.
 *
 * <h2>Memory</h2>
 *
 * Each call copies A and B into native buffers and C back out (O(m·k + k·n + m·n) against O(m·k·n)
 * arithmetic). The buffers are reused between calls; idle ones are kept up to 1 GiB in all (less on
 * machines with under 16 GiB).
 *
 * <p>Instances are immutable and safe to use from several threads at once.
 */
public final class OpenBlasGemm implements Gemm {

  /**
   * Idle operand buffers kept for reuse: a worker's working set (two concurrent tiles of a 4096²
   * f64 product take 320 MB; a whole one, 384 MB), so that repeated products do not fault in and
   * zero fresh pages on every call (profiled: a fifth of a distributed product's CPU when this was
   * 128 MB). At most 1 GiB, and at most a sixteenth of the machine's memory, at least 128 MiB.
   */
  private static final long KEEP_IDLE_BYTES = keepIdleBytes();

  private static final NativeBuffers BUFFERS = new NativeBuffers(KEEP_IDLE_BYTES);
  private static final ThreadCountGate GATE =
      new ThreadCountGate(openblas_full::openblas_set_num_threads);

  // Static because what they guard is process-wide: one native library, one OpenBLAS thread count.
  // The outcome of the first load(), kept for the life of the process: a library or a reason.
  private static NativeLibrary loaded;
  private static String loadFailure;

  private final int threads;
  private final NativeLibrary nativeLibrary;

  /** What the loaded library says about itself. */
  private record NativeLibrary(String config, String coreName, String path) {}

  private static long keepIdleBytes() {
    long physical =
        ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os
            ? os.getTotalMemorySize()
            : 0;
    return Math.max(128L << 20, Math.min(1L << 30, physical / 16));
  }

  private OpenBlasGemm(int threads, NativeLibrary nativeLibrary) {
    this.threads = threads;
    this.nativeLibrary = nativeLibrary;
  }

  /**
   * Loads OpenBLAS (on the first call) and returns a kernel using {@code threads} threads per
   * multiplication.
   *
   * @throws GemmUnavailableException if the native library cannot be used in this process; the
   *     message says why. The outcome of the first attempt is kept: later calls fail the same way.
   * @throws IllegalArgumentException if {@code threads} is less than 1
   */
  public static OpenBlasGemm load(int threads) throws GemmUnavailableException {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }
    return new OpenBlasGemm(threads, loadedLibrary());
  }

  /**
   * A {@link GemmSelector} candidate that loads this kernel with {@code threads} threads; its
   * detail is {@link #description()}.
   */
  public static GemmSelector.Candidate candidate(String name, int threads) {
    return new GemmSelector.Candidate(
        name,
        () -> {
          OpenBlasGemm gemm = load(threads);
          return new GemmSelector.Loaded(gemm, gemm.description());
        });
  }

  private static synchronized NativeLibrary loadedLibrary() throws GemmUnavailableException {
    if (loaded == null && loadFailure == null) {
      try {
        loaded = loadNativeLibrary();
      } catch (GemmUnavailableException e) {
        loadFailure = e.getMessage(); // the first caller gets the cause as well
        throw e;
      }
    }
    if (loadFailure != null) {
      throw new GemmUnavailableException(loadFailure);
    }
    return loaded;
  }

  private static NativeLibrary loadNativeLibrary() throws GemmUnavailableException {
    String path;
    String config;
    String coreName;
    try {
      path = Loader.load(openblas_full.class);
      // Native calls can fail to link even after a "successful" load, e.g. when the library was
      // replaced through org.bytedeco.openblas.load.
      config = openblas_full.openblas_get_config().getString().trim();
      coreName = openblas_full.openblas_get_corename().getString().trim();
    } catch (LinkageError | RuntimeException e) {
      // LinkageError covers UnsatisfiedLinkError and a failed static initialiser; JavaCPP reports
      // cache extraction problems as RuntimeException.
      throw new GemmUnavailableException(
          "OpenBLAS native library did not load for platform " + Loader.getPlatform() + ": " + e,
          e);
    }
    String bundled = openblas_full.OPENBLAS_VERSION.trim(); // "OpenBLAS 0.3.31", from the headers
    if (!config.equals(bundled) && !config.startsWith(bundled + " ")) {
      throw new GemmUnavailableException(
          "the OpenBLAS library linked to "
              + path
              + " reports '"
              + config
              + "', not the bundled "
              + bundled
              + "; another libopenblas was found first");
    }
    return new NativeLibrary(config, coreName, path);
  }

  @Override
  public String name() {
    return "blas";
  }

  @Override
  public int threads() {
    return threads;
  }

  /**
   * OpenBLAS's build configuration, e.g. {@code OpenBLAS 0.3.31 DYNAMIC_ARCH NO_AFFINITY Zen
   * MAX_THREADS=64}.
   */
  public String config() {
    return nativeLibrary.config();
  }

  /** The CPU core OpenBLAS chose kernels for at run time, e.g. {@code Zen} or {@code SkylakeX}. */
  public String coreName() {
    return nativeLibrary.coreName();
  }

  /** The file the JNI bindings were loaded from (JavaCPP extracts it to its cache directory). */
  public String libraryPath() {
    return nativeLibrary.path();
  }

  /** A short description for logs: library version and core, e.g. {@code OpenBLAS 0.3.31 Zen}. */
  public String description() {
    String[] words = config().split(" ", 3); // "OpenBLAS", "0.3.31", build options
    String version = words.length >= 2 ? words[0] + " " + words[1] : config();
    return version + " " + coreName();
  }

  @Override
  public String toString() {
    return "blas[threads=" + threads + ", " + config() + ", core " + coreName() + "]";
  }

  @Override
  public void multiply(int m, int k, int n, double[] a, double[] b, double[] c) {
    Gemm.checkShapes(m, k, n, a.length, b.length, c.length);
    if (m == 0 || k == 0 || n == 0) {
      // C is empty or the empty sum, zero. Not handed to cblas, which rejects lda = k = 0.
      Arrays.fill(c, 0.0);
      return;
    }
    try (NativeBuffers.Operands buffers =
        BUFFERS.operands(
            (long) Double.BYTES * a.length,
            (long) Double.BYTES * b.length,
            (long) Double.BYTES * c.length)) {
      DoublePointer nativeA = new DoublePointer(buffers.a()).put(a, 0, a.length);
      DoublePointer nativeB = new DoublePointer(buffers.b()).put(b, 0, b.length);
      DoublePointer nativeC = new DoublePointer(buffers.c());
      GATE.enter(threads);
      try {
        // Row-major, no transposes: lda = k, ldb = n, ldc = n. beta = 0, so C's old contents are
        // never read (the buffer is uninitialised).
        cblas_dgemm(
            CblasRowMajor,
            CblasNoTrans,
            CblasNoTrans,
            m,
            n,
            k,
            1.0,
            nativeA,
            k,
            nativeB,
            n,
            0.0,
            nativeC,
            n);
      } finally {
        GATE.exit();
      }
      nativeC.get(c, 0, c.length);
    }
  }

  @Override
  public void multiply(int m, int k, int n, float[] a, float[] b, float[] c) {
    Gemm.checkShapes(m, k, n, a.length, b.length, c.length);
    if (m == 0 || k == 0 || n == 0) {
      Arrays.fill(c, 0.0f);
      return;
    }
    try (NativeBuffers.Operands buffers =
        BUFFERS.operands(
            (long) Float.BYTES * a.length,
            (long) Float.BYTES * b.length,
            (long) Float.BYTES * c.length)) {
      FloatPointer nativeA = new FloatPointer(buffers.a()).put(a, 0, a.length);
      FloatPointer nativeB = new FloatPointer(buffers.b()).put(b, 0, b.length);
      FloatPointer nativeC = new FloatPointer(buffers.c());
      GATE.enter(threads);
      try {
        cblas_sgemm(
            CblasRowMajor,
            CblasNoTrans,
            CblasNoTrans,
            m,
            n,
            k,
            1.0f,
            nativeA,
            k,
            nativeB,
            n,
            0.0f,
            nativeC,
            n);
      } finally {
        GATE.exit();
      }
      nativeC.get(c, 0, c.length);
    }
  }
}
