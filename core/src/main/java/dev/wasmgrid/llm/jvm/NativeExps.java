package dev.wasmgrid.llm.jvm;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;

/**
 * The sampler's exponentials by the native kernels ({@link NativeKernels#exps}): the values copied
 * off the heap and back (32,000 logits: ~10 µs of the ~30 a draw's exponentials then take, against
 * ~130 for Math.exp's call per value), the few the kernels leave to Math.exp done here, so that
 * every float is Math.exp's.
 */
final class NativeExps {
  private final Spares<Scratch> scratches = new Spares<>(Scratch::new);
  private final int width;

  /**
   * Exponentials by the kernels of {@code width} bits (one of {@link NativeKernels#widths}; 0: the
   * CPU's).
   */
  NativeExps(int width) {
    this.width = width;
  }

  /** {@code v[i] = (float) Math.exp(v[i] - max)} for i in [0, n), bit for bit. */
  void exps(float[] v, int n, float max) {
    Scratch s = scratches.take();
    try {
      s.fit(n);
      s.values.put(0, v, 0, n);
      int left = NativeKernels.exps(s.valuesAt, n, max, s.hardAt, width);
      s.values.get(0, v, 0, n);
      for (int k = 0; k < left; k++) {
        int i = s.hard.get(k);
        v[i] = (float) Math.exp(v[i] - max);
      }
    } finally {
      scratches.give(s);
    }
  }

  /** The values and the indices left to Math.exp, off the heap. */
  private static final class Scratch {
    private int capacity = -1;
    private FloatBuffer values;
    private IntBuffer hard;
    private long valuesAt;
    private long hardAt;
    // Held so that the addresses stay valid.
    private ByteBuffer valueBytes;
    private ByteBuffer hardBytes;

    void fit(int n) {
      if (n > capacity) {
        valueBytes = NativeKernels.aligned(Math.multiplyExact(n, Float.BYTES));
        hardBytes = NativeKernels.aligned(Math.multiplyExact(n, Integer.BYTES));
        values = valueBytes.asFloatBuffer();
        hard = hardBytes.asIntBuffer();
        valuesAt = NativeKernels.address(valueBytes);
        hardAt = NativeKernels.address(hardBytes);
        capacity = n;
      }
    }
  }
}
