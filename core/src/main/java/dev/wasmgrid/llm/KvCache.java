package dev.wasmgrid.llm;

/**
 * One sequence's state in a {@link Transformer}: the keys and values of every layer at the
 * positions run so far, and the logits of the last position that asked for them. Several caches
 * over one transformer are several sequences decoding side by side (concurrent streams) or kept for
 * later (a prompt cache). Storage grows with the positions used, doubling up to the context, so a
 * short sequence does not hold a whole context's worth of memory.
 */
public final class KvCache {
  private static final int FIRST_CAPACITY = 64;

  private final int kvDim;
  private final int contextLength;
  private final float[][] keys;
  private final float[][] values;
  private final float[] logits;
  private int capacity;

  KvCache(LlamaConfig config) {
    this(config.layers(), config.kvDim(), config.seqLen(), config.vocabSize());
    reserve(Math.min(FIRST_CAPACITY, contextLength));
  }

  private KvCache(int layers, int kvDim, int contextLength, int vocabSize) {
    this.kvDim = kvDim;
    this.contextLength = contextLength;
    this.keys = new float[layers][];
    this.values = new float[layers][];
    this.logits = new float[vocabSize];
  }

  /**
   * Positions {@code [0, positions)} of {@code from} in a cache holding exactly those, for keeping
   * ({@link PromptCache}); it has no logits.
   */
  static KvCache snapshot(KvCache from, int positions) {
    KvCache kept = new KvCache(from.keys.length, from.kvDim, from.contextLength, 0);
    kept.copyPrefix(from, positions);
    return kept;
  }

  /** The logits after the last position run with logits asked for; overwritten by the next. */
  public float[] logits() {
    return logits;
  }

  /** The most positions this cache can hold. */
  public int contextLength() {
    return contextLength;
  }

  /** Bytes the keys and values occupy now. */
  public long bytes() {
    return bytes(capacity);
  }

  /** Bytes the keys and values of {@code positions} positions occupy. */
  long bytes(int positions) {
    return 2L * keys.length * positions * kvDim * Float.BYTES;
  }

  /**
   * Copies positions {@code [0, positions)} of {@code from}, a cache of the same model, into this
   * one: a sequence that starts with the same tokens continues from there.
   */
  public void copyPrefix(KvCache from, int positions) {
    if (from.kvDim != kvDim || from.keys.length != keys.length) {
      throw new IllegalArgumentException("caches of different models");
    }
    if (positions < 0 || positions > from.capacity) {
      throw new IllegalArgumentException(
          "positions " + positions + " outside the source's " + from.capacity);
    }
    reserve(positions);
    int n = positions * kvDim;
    for (int l = 0; l < keys.length; l++) {
      System.arraycopy(from.keys[l], 0, keys[l], 0, n);
      System.arraycopy(from.values[l], 0, values[l], 0, n);
    }
  }

  /** Makes room for positions {@code [0, positions)}. */
  void reserve(int positions) {
    if (positions <= capacity) {
      return;
    }
    int grown = Math.min(contextLength, Math.max(positions, 2 * capacity));
    for (int l = 0; l < keys.length; l++) {
      keys[l] = grow(keys[l], grown);
      values[l] = grow(values[l], grown);
    }
    capacity = grown;
  }

  private float[] grow(float[] old, int positions) {
    float[] bigger = new float[positions * kvDim];
    if (old != null) {
      System.arraycopy(old, 0, bigger, 0, old.length);
    }
    return bigger;
  }

  float[] keys(int layer) {
    return keys[layer];
  }

  float[] values(int layer) {
    return values[layer];
  }
}
