package dev.wasmgrid.matmul.worker;

import dev.wasmgrid.errors.Failure;
import java.util.Locale;
import java.util.Map;

/**
 * Which code computes a product, chosen per request with {@code ?engine=}: the worker's JVM kernel
 * (the default) or the matmul kernel compiled to WebAssembly, run in the wasm host.
 */
public enum MatmulEngine {
  /** The kernel the worker chose at start-up (BLAS, Vector API or the reference loops). */
  JVM,
  /**
   * {@code matmul.wasm}: f64 only, bounded by the wasm memory limit, bit-equal to the reference.
   */
  WASM;

  /** The query parameter naming the engine. */
  public static final String PARAMETER = "engine";

  /** The name in queries and answers: {@code jvm} or {@code wasm}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The engine a request's query names, {@link #JVM} when it names none.
   *
   * @throws Failure 400 {@code invalid_engine} for any other value
   */
  public static MatmulEngine fromQuery(Map<String, String> query) {
    String value = query.get(PARAMETER);
    if (value == null || value.equals("jvm")) {
      return JVM;
    }
    if (value.equals("wasm")) {
      return WASM;
    }
    throw Failure.invalid(
        "invalid_engine", PARAMETER, "engine must be jvm or wasm, not '" + value + "'");
  }
}
