package dev.wasmgrid.web;

import dev.wasmgrid.matmul.Gemm;
import dev.wasmgrid.matmul.ReferenceGemm;
import org.teavm.jso.JSExport;
import org.teavm.jso.typedarrays.Float32Array;
import org.teavm.jso.typedarrays.Float64Array;

/**
 * What the browser calls: TeaVM compiles this class and the {@link ReferenceGemm} loop the server
 * uses to WasmGC and to JavaScript; each {@code @JSExport} static becomes a function of the module.
 * It calls {@link ReferenceGemm#rows} rather than {@code multiply}, whose thread pool TeaVM cannot
 * compile (a browser worker has one thread; the page splits rows over Web Workers instead). The
 * copy methods alias the typed array on the JS target and copy on WasmGC; either way the result is
 * a fresh array, so the caller may transfer its buffer.
 */
public final class BrowserGemm {
  private BrowserGemm() {}

  /** C = A·B in f64, with A m×k and B k×n, row-major. */
  @JSExport
  public static Float64Array multiplyF64(int m, int k, int n, Float64Array a, Float64Array b) {
    double[] ja = a.copyToJavaArray();
    double[] jb = b.copyToJavaArray();
    double[] c = new double[m * n];
    Gemm.checkShapes(m, k, n, ja.length, jb.length, c.length);
    ReferenceGemm.rows(0, m, k, n, ja, jb, c);
    return Float64Array.copyFromJavaArray(c);
  }

  /** C = A·B in f32, with A m×k and B k×n, row-major. */
  @JSExport
  public static Float32Array multiplyF32(int m, int k, int n, Float32Array a, Float32Array b) {
    float[] ja = a.copyToJavaArray();
    float[] jb = b.copyToJavaArray();
    float[] c = new float[m * n];
    Gemm.checkShapes(m, k, n, ja.length, jb.length, c.length);
    ReferenceGemm.rows(0, m, k, n, ja, jb, c);
    return Float32Array.copyFromJavaArray(c);
  }
}
