package dev.wasmgrid.llm;

/**
 * The keys and values of a {@link KvCache} where its {@link Compute} keeps them itself ({@link
 * Compute#kvStore}) rather than as float arrays on the heap, and the attention that reads them: the
 * JVM's native kernels keep 16-bit floats off the heap. A layer holds position p's {@code kvDim}
 * values at p·kvDim. Stores and attention of different heads may run on several threads at once.
 */
public interface KvStore {
  /** Holds positions [0, positions) of every layer, keeping the first {@code kept}. */
  void reserve(int positions, int kept);

  /**
   * Stores values [from, to) of {@code k} and {@code v} as position {@code pos} of {@code layer}.
   */
  void store(int layer, int pos, float[] k, float[] v, int from, int to);

  /**
   * Attention of query heads [fromHead, toHead) of {@code q} over positions [0, positions) of
   * {@code layer}, into the same heads of {@code out}.
   */
  void attend(int layer, int positions, float[] q, float[] out, int fromHead, int toHead);

  /** Values [at, at + n) of a layer's keys, or values, as floats into {@code dst}. */
  void read(int layer, boolean values, int at, float[] dst, int n);

  /** Writes {@code src[0..n)} as values [at, at + n) of a layer's keys, or values. */
  void write(int layer, boolean values, int at, float[] src, int n);

  /**
   * Copies positions [0, positions) of every layer of {@code from}, a store of the same model and
   * kind, as they are.
   */
  void copyPrefix(KvStore from, int positions);

  /** Whether {@link #copyPrefix} takes {@code other}'s positions as they are. */
  boolean sameKind(KvStore other);

  /** An empty store of the same kind and model. */
  KvStore empty();

  /** Bytes a value takes. */
  int valueBytes();
}
