package dev.wasmgrid.llm.jvm;

import dev.wasmgrid.llm.KvStore;
import dev.wasmgrid.llm.LlamaConfig;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;

/**
 * A KV cache's keys and values as 16-bit floats off the heap (rounded to nearest, as llama.cpp's
 * default cache keeps them), stored and attended by the native kernels ({@code
 * llm_attention_kernels.c}): half the bytes of floats, which eight streams' or a long context's
 * attention reads every token. Stores and attention run on the compute's threads.
 */
final class HalfKvStore implements KvStore {
  private final int layers;
  private final int kvDim;
  private final int headSize;
  private final int kvMul;
  private final ByteBuffer[] keys;
  private final ByteBuffer[] values;
  private final long[] keysAt;
  private final long[] valuesAt;

  /**
   * The floats crossing to the kernels, off the heap: a query's [0, qDim), an output's [qDim,
   * 2·qDim), a key's and a value's kvDim each after them, every head at its own offset. The threads
   * of a pass store and attend disjoint heads, so they share it; one pass at a time uses a cache.
   * Made with the store, so that a pass allocates nothing.
   */
  private final FloatBuffer scratch;

  private final long scratchAt;
  private final int qDim;

  /** Whether the native kernels attend over {@code config}'s heads here. */
  static boolean takes(LlamaConfig config) {
    return NativeKernels.available() && config.headSize() % 8 == 0;
  }

  /** An empty store of {@code config}'s model. */
  HalfKvStore(LlamaConfig config) {
    this(config.layers(), config.kvDim(), config.headSize(), config.kvMul());
  }

  private HalfKvStore(int layers, int kvDim, int headSize, int kvMul) {
    this.layers = layers;
    this.kvDim = kvDim;
    this.headSize = headSize;
    this.kvMul = kvMul;
    this.qDim = kvMul * kvDim;
    this.keys = new ByteBuffer[layers];
    this.values = new ByteBuffer[layers];
    this.keysAt = new long[layers];
    this.valuesAt = new long[layers];
    ByteBuffer bytes = NativeKernels.aligned(Float.BYTES * 2 * (qDim + kvDim));
    this.scratch = bytes.asFloatBuffer();
    this.scratchAt = NativeKernels.address(bytes);
  }

  @Override
  public void reserve(int positions, int kept) {
    int bytes = Math.multiplyExact(Math.multiplyExact(positions, kvDim), Short.BYTES);
    long keptBytes = (long) kept * kvDim * Short.BYTES;
    for (int l = 0; l < layers; l++) {
      keys[l] = grown(keys[l], bytes, keptBytes);
      values[l] = grown(values[l], bytes, keptBytes);
      keysAt[l] = NativeKernels.address(keys[l]);
      valuesAt[l] = NativeKernels.address(values[l]);
    }
  }

  private static ByteBuffer grown(ByteBuffer old, int bytes, long kept) {
    ByteBuffer bigger = NativeKernels.aligned(bytes);
    if (old != null && kept > 0) {
      bigger.put(0, old, 0, (int) kept);
    }
    return bigger;
  }

  @Override
  public void store(int layer, int pos, float[] k, float[] v, int from, int to) {
    int n = to - from;
    int kAt = 2 * qDim + from;
    int vAt = kAt + kvDim;
    scratch.put(kAt, k, from, n);
    scratch.put(vAt, v, from, n);
    long at = 2L * ((long) pos * kvDim + from);
    NativeKernels.kvStore(
        scratchAt + 4L * kAt, scratchAt + 4L * vAt, keysAt[layer] + at, valuesAt[layer] + at, n);
  }

  @Override
  public void attend(int layer, int positions, float[] q, float[] out, int fromHead, int toHead) {
    int first = fromHead * headSize;
    int n = (toHead - fromHead) * headSize;
    scratch.put(first, q, first, n);
    NativeKernels.attendF16(
        keysAt[layer],
        valuesAt[layer],
        kvDim,
        headSize,
        kvMul,
        positions,
        scratchAt,
        scratchAt + 4L * qDim,
        fromHead,
        toHead);
    scratch.get(qDim + first, out, first, n);
  }

  @Override
  public void read(int layer, boolean values, int at, float[] dst, int n) {
    ShortBuffer halves = side(layer, values).asShortBuffer();
    for (int i = 0; i < n; i++) {
      dst[i] = Float.float16ToFloat(halves.get(at + i));
    }
  }

  @Override
  public void write(int layer, boolean values, int at, float[] src, int n) {
    ShortBuffer halves = side(layer, values).asShortBuffer();
    for (int i = 0; i < n; i++) {
      halves.put(at + i, Float.floatToFloat16(src[i]));
    }
  }

  private ByteBuffer side(int layer, boolean values) {
    return values ? this.values[layer] : keys[layer];
  }

  @Override
  public void copyPrefix(KvStore from, int positions) {
    HalfKvStore other = (HalfKvStore) from;
    int bytes = positions * kvDim * Short.BYTES;
    for (int l = 0; l < layers; l++) {
      keys[l].put(0, other.keys[l], 0, bytes);
      values[l].put(0, other.values[l], 0, bytes);
    }
  }

  @Override
  public boolean sameKind(KvStore other) {
    return other instanceof HalfKvStore;
  }

  @Override
  public KvStore empty() {
    return new HalfKvStore(layers, kvDim, headSize, kvMul);
  }

  @Override
  public int valueBytes() {
    return Short.BYTES;
  }
}
