package dev.wasmgrid.llm.jvm;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.Arrays;

/**
 * The sampler's softmax numerators and their sum by the native kernels ({@link
 * NativeKernels#expsSum}): the values copied off the heap and back, the maximum, the exponentials
 * and the sum in order taken there, the few exponentials the kernels leave to Math.exp done here,
 * and the sum carried on from where the kernels stopped, so that every float is the one the plain
 * Java steps give. Over 32,000 logits of a model whose draws are confident (nearly every value more
 * than 104 below the largest), one Zen 5 core: the maximum, the exponentials and the sum took 23,
 * 92 and 19 µs as Math.max's loop, the kernels' exponentials (their zeros then written lane by
 * lane) and the sum's loop, against ~30 together here.
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

  /**
   * {@code v[i] = (float) Math.exp(v[i] - max)} for i in [0, n), n >= 1, max the largest of them by
   * Math.max, bit for bit; returns their float sum added in order from v[0].
   */
  float expsSum(float[] v, int n) {
    Scratch s = scratches.take();
    try {
      s.fit(n);
      s.values.put(0, v, 0, n);
      int left = NativeKernels.expsSum(s.valuesAt, n, s.hardAt, s.resultAt, width);
      if (left < 0) {
        // A NaN: Math.max's maximum is NaN, and so is every exponential and the sum.
        Arrays.fill(v, 0, n, Float.NaN);
        return Float.NaN;
      }
      s.values.get(0, v, 0, n);
      float max = s.result.getFloat(0);
      float sum = s.result.getFloat(Float.BYTES);
      int covered = s.result.getInt(2 * Float.BYTES);
      for (int k = 0; k < left; k++) {
        int i = s.hard.get(k);
        v[i] = (float) Math.exp(v[i] - max);
      }
      for (int i = covered; i < n; i++) {
        sum += v[i];
      }
      return sum;
    } finally {
      scratches.give(s);
    }
  }

  /** The values, the indices left to Math.exp and the kernels' results, off the heap. */
  private static final class Scratch {
    private int capacity = -1;
    private FloatBuffer values;
    private IntBuffer hard;
    private final ByteBuffer result = NativeKernels.aligned(3 * Float.BYTES);
    private final long resultAt = NativeKernels.address(result);
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
