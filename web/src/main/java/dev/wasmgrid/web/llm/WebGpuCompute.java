package dev.wasmgrid.web.llm;

import dev.wasmgrid.llm.Compute;
import dev.wasmgrid.llm.F32Matrix;
import dev.wasmgrid.llm.Q8Matrix;
import dev.wasmgrid.llm.ScalarCompute;
import dev.wasmgrid.llm.WeightMatrix;
import java.util.IdentityHashMap;
import org.teavm.jso.typedarrays.Float32Array;
import org.teavm.jso.typedarrays.Int8Array;

/**
 * Weight mat-vecs of at least {@link GpuMatvec#getMinWeights()} weights on WebGPU through {@link
 * GpuMatvec}, everything else (smaller products, attention's short dot products and updates) on the
 * CPU: the big mat-vecs are nearly all of a token's arithmetic, and the rest is too small to pay a
 * dispatch and a read-back each. Each matrix is uploaded the first time it is used. The GPU sums in
 * another order and may fuse multiply-adds, so its logits differ from {@link ScalarCompute}'s by
 * float rounding only.
 */
final class WebGpuCompute implements Compute {
  private final GpuMatvec gpu;
  private final long minWeights;
  private final ScalarCompute cpu = new ScalarCompute();
  private final IdentityHashMap<WeightMatrix, Integer> ids = new IdentityHashMap<>();

  WebGpuCompute(GpuMatvec gpu) {
    this.gpu = gpu;
    this.minWeights = gpu.getMinWeights();
  }

  /**
   * Whether products with {@code w} go to the GPU: large F32 and Q8 matrices, the layouts the GPU
   * kernels read. Packed block types (Q4_K, Q6_K, ...) stay on the CPU, which decodes them per row.
   */
  boolean onGpu(WeightMatrix w) {
    boolean uploadable =
        w instanceof F32Matrix
            || (w instanceof Q8Matrix q && q.offsets() == null && q.group() == Q8Matrix.GROUP);
    return uploadable && (long) w.rows() * w.cols() >= minWeights;
  }

  @Override
  public void matvec(WeightMatrix w, float[] x, float[] out) {
    if (!onGpu(w)) {
      cpu.matvec(w, x, out);
      return;
    }
    Integer id = ids.get(w);
    if (id == null) {
      id = ids.size();
      upload(id, w);
      ids.put(w, id);
    }
    Float32Array result = gpu.matvec(id, Float32Array.copyFromJavaArray(x)).await();
    if (result.getLength() != w.rows()) {
      throw new IllegalStateException(
          "WebGPU returned " + result.getLength() + " values for " + w.rows() + " rows");
    }
    float[] values = result.copyToJavaArray();
    System.arraycopy(values, 0, out, 0, w.rows());
  }

  private void upload(int id, WeightMatrix w) {
    // instanceof rather than a pattern switch: the browser compiler lacks switch bootstraps.
    if (w instanceof F32Matrix f) {
      gpu.uploadF32(id, f.rows(), f.cols(), Float32Array.copyFromJavaArray(f.data()));
    } else {
      Q8Matrix q = (Q8Matrix) w;
      gpu.uploadQ8(
          id,
          q.rows(),
          q.cols(),
          Int8Array.copyFromJavaArray(q.quants()),
          Float32Array.copyFromJavaArray(q.scales()));
    }
  }

  @Override
  public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
    return cpu.dot(a, aOff, b, bOff, n);
  }

  @Override
  public void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
    cpu.axpy(a, x, xOff, y, yOff, n);
  }

  @Override
  public String name() {
    return "webgpu";
  }
}
