package dev.wasmgrid.matmul.worker;

import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.matmul.Gemm;
import dev.wasmgrid.wasm.CompiledModule;
import dev.wasmgrid.wasm.MemoryInfo;
import dev.wasmgrid.wasm.ModuleLimits;
import dev.wasmgrid.wasm.WasmInstance;
import dev.wasmgrid.wasm.WasmModules;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.concurrent.Semaphore;

/**
 * C = A·B by the bundled {@code matmul.wasm} (wasm-host/src/main/c/matmul.c), f64 only. The module
 * runs the reference kernel's loops in the same order and wasm has no fused multiply-add, so its
 * products equal {@link dev.wasmgrid.matmul.ReferenceGemm}'s bit for bit.
 *
 * <p>Each product gets a fresh instance: the module's allocator never frees, so an instance that
 * served a product keeps its memory, and a new one starts from the module's few pages. At most
 * {@link ModuleLimits#maxInstances()} products run at once (each holds A, B and C in its memory);
 * the others wait their turn. A product whose operands and result do not fit in the memory limit is
 * refused before anything is allocated ({@link #check}).
 */
public final class WasmGemm implements Gemm {

  /** The engine's limits: 4096 pages (256 MiB) per product, 60 s per product, 2 at once. */
  public static final ModuleLimits LIMITS =
      ModuleLimits.defaults().withCallTimeout(Duration.ofSeconds(60)).withMaxInstances(2);

  private final CompiledModule module;
  private final Semaphore running;
  private final long baseBytes;

  /** The engine under {@link #LIMITS}. */
  public WasmGemm() {
    this(LIMITS);
  }

  /** The engine under other limits (tests use a small memory limit). */
  public WasmGemm(ModuleLimits limits) {
    this.module = WasmModules.bundled("matmul", limits);
    this.running = new Semaphore(limits.maxInstances(), true);
    // The heap starts past the data and stack, inside the initial pages.
    this.baseBytes = module.memory().map(MemoryInfo::initialBytes).orElse(0L);
  }

  @Override
  public String name() {
    return "wasm";
  }

  @Override
  public int threads() {
    return 1;
  }

  /**
   * The bytes of wasm memory a product needs: the module's initial pages, then A, B and C, each
   * aligned to 16 bytes.
   */
  public long memoryNeeded(int m, int k, int n) {
    return baseBytes + Double.BYTES * ((long) m * k + (long) k * n + (long) m * n) + 3 * 16;
  }

  /** The most wasm memory one product may use, in bytes. */
  public long memoryLimit() {
    return module.limits().maxMemoryBytes();
  }

  /**
   * Checks a product fits in the memory limit.
   *
   * @throws Failure 413 {@code wasm_memory_limit} naming the need and the limit
   */
  public void check(int m, int k, int n) {
    long need = memoryNeeded(m, k, n);
    if (need > memoryLimit()) {
      throw Failure.tooLarge(
          "wasm_memory_limit",
          "",
          "engine=wasm holds A, B and C in one instance's memory: %dx%d times %dx%d needs %d bytes,"
                  .formatted(m, k, k, n, need)
              + " more than its limit of %d pages (%d bytes); use a smaller product or engine=jvm"
                  .formatted(module.limits().maxPages(), memoryLimit()));
    }
  }

  @Override
  public void multiply(int m, int k, int n, double[] a, double[] b, double[] c) {
    Gemm.checkShapes(m, k, n, a.length, b.length, c.length);
    check(m, k, n);
    running.acquireUninterruptibly();
    try (WasmInstance wasm = module.instantiate()) {
      // Whole arrays in one copy each: element by element took ~1/5 of a product at n = 256.
      int pa = wasm.write(bytes(a));
      int pb = wasm.write(bytes(b));
      int pc = wasm.write(new byte[m * n * Double.BYTES]); // fits: check() bounded it
      wasm.call("matmul", m, k, n, pa, pb, pc);
      ByteBuffer.wrap(wasm.read(pc, m * n * Double.BYTES))
          .order(ByteOrder.LITTLE_ENDIAN)
          .asDoubleBuffer()
          .get(c);
    } finally {
      running.release();
    }
  }

  /** Little-endian f64s, as wasm memory holds them. */
  private static byte[] bytes(double[] values) {
    ByteBuffer buffer =
        ByteBuffer.allocate(values.length * Double.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    buffer.asDoubleBuffer().put(values);
    return buffer.array();
  }

  /**
   * Not supported: the module computes f64 only.
   *
   * @throws Failure 400 {@code unsupported_dtype}
   */
  @Override
  public void multiply(int m, int k, int n, float[] a, float[] b, float[] c) {
    throw unsupportedDtype();
  }

  /** The error for an f32 product. */
  public static Failure unsupportedDtype() {
    return Failure.invalid(
        "unsupported_dtype", "dtype", "engine=wasm computes f64 only; send f64 or use engine=jvm");
  }
}
