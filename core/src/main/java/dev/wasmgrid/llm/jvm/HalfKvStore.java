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
 * attention reads every token. Stores and attention run on the compute's threads, each with its own
 * {@link Scratch} for the floats that cross to the kernels.
 */
final class HalfKvStore implements KvStore {
  private final int layers;
  private final int kvDim;
  private final int headSize;
  private final int kvMul;
  private final ThreadLocal<Scratch> scratches;
  // Where the scratch's output floats start: after a query's.
  private final int half;
  private final ByteBuffer[] keys;
  private final ByteBuffer[] values;
  private final long[] keysAt;
  private final long[] valuesAt;

  /** Whether the native kernels attend over {@code config}'s heads here. */
  static boolean takes(LlamaConfig config) {
    return NativeKernels.available() && config.headSize() % 8 == 0;
  }

  /**
   * An empty store of {@code config}'s model; {@code scratches} keeps each thread's buffers, made
   * or grown here as a model needs them.
   */
  HalfKvStore(LlamaConfig config, ThreadLocal<Scratch> scratches) {
    this(config.layers(), config.kvDim(), config.headSize(), config.kvMul(), scratches);
  }

  private HalfKvStore(
      int layers, int kvDim, int headSize, int kvMul, ThreadLocal<Scratch> scratches) {
    this.layers = layers;
    this.kvDim = kvDim;
    this.headSize = headSize;
    this.kvMul = kvMul;
    this.scratches = scratches;
    this.half = kvMul * kvDim;
    this.keys = new ByteBuffer[layers];
    this.values = new ByteBuffer[layers];
    this.keysAt = new long[layers];
    this.valuesAt = new long[layers];
  }

  /** A thread's floats crossing to the kernels, off the heap: grown as a model needs. */
  static final class Scratch {
    private FloatBuffer floats = FloatBuffer.allocate(0);
    private long at;

    /** Holds at least {@code n} floats. */
    Scratch ensure(int n) {
      if (floats.capacity() < n) {
        ByteBuffer bytes = NativeKernels.aligned(Math.multiplyExact(n, Float.BYTES));
        floats = bytes.asFloatBuffer();
        at = NativeKernels.address(bytes);
      }
      return this;
    }
  }

  /**
   * This thread's scratch, grown to this model's size: a query's floats then an output's, or a
   * key's then a value's.
   */
  private Scratch scratch() {
    return scratches.get().ensure(2 * half);
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
    Scratch s = scratch();
    int n = to - from;
    long at = 2L * ((long) pos * kvDim + from);
    s.floats.put(0, k, from, n);
    s.floats.put(half, v, from, n);
    NativeKernels.kvStore(s.at, s.at + 4L * half, keysAt[layer] + at, valuesAt[layer] + at, n);
  }

  @Override
  public void attend(int layer, int positions, float[] q, float[] out, int fromHead, int toHead) {
    Scratch s = scratch();
    int first = fromHead * headSize;
    int n = (toHead - fromHead) * headSize;
    // The kernel addresses heads from q's start: the scratch holds heads [fromHead, toHead) there.
    s.floats.put(0, q, first, n);
    long qAt = s.at - 4L * first;
    long outAt = s.at + 4L * (half - first);
    NativeKernels.attendF16(
        keysAt[layer],
        valuesAt[layer],
        kvDim,
        headSize,
        kvMul,
        positions,
        qAt,
        outAt,
        fromHead,
        toHead);
    s.floats.get(half, out, first, n);
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
    return new HalfKvStore(layers, kvDim, headSize, kvMul, scratches);
  }

  @Override
  public int valueBytes() {
    return Short.BYTES;
  }
}
