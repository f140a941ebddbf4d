package dev.wasmgrid.web.llm;

import org.teavm.jso.JSObject;
import org.teavm.jso.JSProperty;
import org.teavm.jso.core.JSPromise;
import org.teavm.jso.typedarrays.Float32Array;
import org.teavm.jso.typedarrays.Int8Array;

/**
 * The JavaScript side of the GPU seam (llm-gpu.js): weight matrices are uploaded once under an id,
 * then each product is one WGSL dispatch whose result comes back as a promise, which the Java
 * forward pass awaits (TeaVM suspends it as a coroutine, so the worker's event loop keeps running).
 */
public interface GpuMatvec extends JSObject {

  /**
   * Matrices with fewer weights stay on the CPU: below some size a dispatch and its read-back cost
   * more than the product (0 sends every weight mat-vec to the GPU).
   */
  @JSProperty
  int getMinWeights();

  /** Keeps a rows×cols f32 matrix, row-major, on the GPU as matrix {@code id}. */
  void uploadF32(int id, int rows, int cols, Float32Array data);

  /**
   * Keeps a Q8_0 matrix (int8 quants row-major, one scale per 32 of a row) as matrix {@code id}.
   */
  void uploadQ8(int id, int rows, int cols, Int8Array quants, Float32Array scales);

  /** Resolves to matrix {@code id} times {@code x}. */
  JSPromise<Float32Array> matvec(int id, Float32Array x);
}
