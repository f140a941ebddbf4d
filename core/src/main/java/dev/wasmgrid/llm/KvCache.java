package dev.wasmgrid.llm;

/**
 * One sequence's state in a {@link Transformer}: the keys and values of every layer at the
 * positions run so far, and the logits of the last position that asked for them. Several caches
 * over one transformer are several sequences decoding side by side (concurrent streams) or kept for
 * later (a prompt cache). Storage grows with the positions used, doubling up to the context, so a
 * short sequence does not hold a whole context's worth of memory. The keys and values are float
 * arrays, or a {@link KvStore} where the compute keeps its own.
 */
public final class KvCache {
  private static final int FIRST_CAPACITY = 64;

  private final int kvDim;
  private final int contextLength;
  private final int layers;
  // Null where the store keeps them.
  private final float[][] keys;
  private final float[][] values;
  private final KvStore store;
  private final float[] logits;
  private int capacity;

  /** An empty cache of {@code config}'s model, its keys and values in {@code store} if not null. */
  KvCache(LlamaConfig config, KvStore store) {
    this(config.layers(), config.kvDim(), config.seqLen(), config.vocabSize(), store);
    reserve(Math.min(FIRST_CAPACITY, contextLength));
  }

  private KvCache(int layers, int kvDim, int contextLength, int vocabSize, KvStore store) {
    this.kvDim = kvDim;
    this.contextLength = contextLength;
    this.layers = layers;
    this.store = store;
    this.keys = store == null ? new float[layers][] : null;
    this.values = store == null ? new float[layers][] : null;
    this.logits = new float[vocabSize];
  }

  /**
   * Positions {@code [0, positions)} of {@code from} in a cache holding exactly those, for keeping
   * ({@link PromptCache}); it has no logits.
   */
  static KvCache snapshot(KvCache from, int positions) {
    KvStore store = from.store == null ? null : from.store.empty();
    KvCache kept = new KvCache(from.layers, from.kvDim, from.contextLength, 0, store);
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
    return 2L * layers * positions * kvDim * (store == null ? Float.BYTES : store.valueBytes());
  }

  /**
   * Copies positions {@code [0, positions)} of {@code from}, a cache of the same model, into this
   * one: a sequence that starts with the same tokens continues from there.
   */
  public void copyPrefix(KvCache from, int positions) {
    if (from.kvDim != kvDim || from.layers != layers) {
      throw new IllegalArgumentException("caches of different models");
    }
    if (positions < 0 || positions > from.capacity) {
      throw new IllegalArgumentException(
          "positions " + positions + " outside the source's " + from.capacity);
    }
    reserve(positions);
    int n = positions * kvDim;
    if (store == null && from.store == null) {
      for (int l = 0; l < layers; l++) {
        System.arraycopy(from.keys[l], 0, keys[l], 0, n);
        System.arraycopy(from.values[l], 0, values[l], 0, n);
      }
    } else if (store != null && from.store != null && store.sameKind(from.store)) {
      store.copyPrefix(from.store, positions);
    } else {
      // Caches of two kinds (a prompt cache shared by models on two computes): as floats.
      float[] floats = new float[n];
      for (int l = 0; l < layers; l++) {
        for (int side = 0; side < 2; side++) {
          from.read(l, side == 1, floats, n);
          write(l, side == 1, floats, n);
        }
      }
    }
  }

  /** The first {@code n} of a layer's keys, or values, as floats into {@code dst}. */
  void read(int layer, boolean value, float[] dst, int n) {
    if (store != null) {
      store.read(layer, value, 0, dst, n);
    } else {
      System.arraycopy(value ? values[layer] : keys[layer], 0, dst, 0, n);
    }
  }

  private void write(int layer, boolean value, float[] src, int n) {
    if (store != null) {
      store.write(layer, value, 0, src, n);
    } else {
      System.arraycopy(src, 0, value ? values[layer] : keys[layer], 0, n);
    }
  }

  /** Makes room for positions {@code [0, positions)}. */
  void reserve(int positions) {
    if (positions <= capacity) {
      return;
    }
    int grown = Math.min(contextLength, Math.max(positions, 2 * capacity));
    if (store != null) {
      store.reserve(grown, capacity);
    } else {
      for (int l = 0; l < layers; l++) {
        keys[l] = grow(keys[l], grown);
        values[l] = grow(values[l], grown);
      }
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

  /** Where the compute keeps the keys and values; null where they are {@link #keys} and values. */
  KvStore store() {
    return store;
  }

  float[] keys(int layer) {
    return keys[layer];
  }

  float[] values(int layer) {
    return values[layer];
  }
}
