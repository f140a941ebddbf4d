package dev.wasmgrid.matmul.worker;

import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.matmul.Dtype;
import dev.wasmgrid.matmul.Gemm;
import dev.wasmgrid.matmul.Matrix;
import dev.wasmgrid.matmul.wire.MatmulRequest;
import dev.wasmgrid.matmul.wire.MatrixChecks;
import dev.wasmgrid.wasm.WasmCallException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.Supplier;

/**
 * Multiplies checked operands with the worker's kernel, or with the wasm engine when a request asks
 * for it, and counts the work done.
 */
public final class MatmulCompute {
  private final Gemm gemm;
  private final Counter flops;
  private final Supplier<WasmGemm> wasm;
  private final Counter wasmFlops;

  /** A service whose wasm engine is compiled on its first use, under {@link WasmGemm#LIMITS}. */
  public MatmulCompute(Gemm gemm, MeterRegistry registry) {
    this(gemm, registry, WasmGemm::new);
  }

  /**
   * @param wasm makes the wasm engine; called once, on the first request for it
   */
  public MatmulCompute(Gemm gemm, MeterRegistry registry, Supplier<WasmGemm> wasm) {
    this.gemm = gemm;
    this.flops = flops(registry, gemm.name());
    this.wasm = new Once<>(wasm);
    this.wasmFlops = flops(registry, "wasm");
  }

  private static Counter flops(MeterRegistry registry, String backend) {
    return Counter.builder("wasmgrid.matmul.flops")
        .description("Floating-point operations computed by matmul")
        .tag("backend", backend)
        .register(registry);
  }

  /** C = A·B with the worker's kernel; see {@link #multiply(MatmulRequest, MatmulEngine)}. */
  public Matrix multiply(MatmulRequest request) {
    return multiply(request, MatmulEngine.JVM);
  }

  /**
   * C = A·B with {@code engine}.
   *
   * @throws Failure 422 {@code non_finite_result} when the product overflows: JSON cannot carry it
   *     and it is almost always a mistake in the operands; for the wasm engine, 400 {@code
   *     unsupported_dtype} for f32, 413 {@code wasm_memory_limit} when the product does not fit in
   *     its memory, 504 {@code timeout} past its time limit
   */
  public Matrix multiply(MatmulRequest request, MatmulEngine engine) {
    Matrix c;
    if (engine == MatmulEngine.WASM) {
      c = multiplyWasm(request);
      wasmFlops.increment(request.flops());
    } else {
      c = Matrix.multiply(gemm, request.a(), request.b());
      flops.increment(request.flops());
    }
    long at = MatrixChecks.firstNonFinite(c);
    if (at >= 0) {
      String name = MatrixChecks.entryName("C", c, at);
      throw new Failure(
          Failure.Kind.UNPROCESSABLE,
          "non_finite_result",
          "",
          name
              + " is "
              + MatrixChecks.value(c, at)
              + ": the product overflows "
              + c.dtype().wireName()
              + "; scale the operands down");
    }
    return c;
  }

  private Matrix multiplyWasm(MatmulRequest request) {
    if (request.a().dtype() != Dtype.F64) {
      throw WasmGemm.unsupportedDtype();
    }
    WasmGemm engine = wasm.get();
    // Before C is allocated on this side: a product too large for wasm must cost nothing.
    engine.check(request.a().rows(), request.a().cols(), request.b().cols());
    try {
      return Matrix.multiply(engine, request.a(), request.b());
    } catch (WasmCallException e) {
      throw switch (e.code()) {
        case TIMEOUT -> new Failure(Failure.Kind.TIMED_OUT, "timeout", "", e.getMessage());
        case MEMORY_LIMIT -> Failure.tooLarge("wasm_memory_limit", "", e.getMessage());
        default -> new Failure(Failure.Kind.INTERNAL, e.code().id(), "", e.getMessage());
      };
    }
  }

  /** The kernel's name, e.g. {@code blas} or {@code vector}. */
  public String backend() {
    return gemm.name();
  }

  /** The kernel's name for {@code engine}: {@link #backend()}, or {@code wasm}. */
  public String backend(MatmulEngine engine) {
    return engine == MatmulEngine.WASM ? "wasm" : gemm.name();
  }

  /** A supplier that calls its source once, on first use. */
  private static final class Once<T> implements Supplier<T> {
    private final Supplier<T> source;
    private T value; // guarded by this

    Once(Supplier<T> source) {
      this.source = source;
    }

    @Override
    public synchronized T get() {
      if (value == null) {
        value = source.get();
      }
      return value;
    }
  }
}
