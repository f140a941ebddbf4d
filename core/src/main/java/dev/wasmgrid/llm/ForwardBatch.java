package dev.wasmgrid.llm;

import java.util.Arrays;

/**
 * Positions to run through a {@link Transformer} in one pass: each entry is a token at a position
 * of a sequence ({@link KvCache}). A prompt is many consecutive positions of one sequence; a
 * decoding step of concurrent streams is one position of each. Every weight matrix is then read
 * once for all entries. Reused from pass to pass, so a steady batch allocates nothing.
 */
public final class ForwardBatch {
  private KvCache[] caches = new KvCache[8];
  private int[] tokens = new int[8];
  private int[] positions = new int[8];
  private boolean[] wantLogits = new boolean[8];
  private int size;

  /**
   * Adds {@code token} at {@code position} of {@code cache}; with {@code logits}, the pass leaves
   * the next token's logits in {@link KvCache#logits()}. Entries of one cache must come in the
   * order of their positions.
   */
  public void add(KvCache cache, int token, int position, boolean logits) {
    if (size == tokens.length) {
      int n = 2 * size;
      caches = Arrays.copyOf(caches, n);
      tokens = Arrays.copyOf(tokens, n);
      positions = Arrays.copyOf(positions, n);
      wantLogits = Arrays.copyOf(wantLogits, n);
    }
    caches[size] = cache;
    tokens[size] = token;
    positions[size] = position;
    wantLogits[size] = logits;
    size++;
  }

  /** Empties the batch for the next pass. */
  public void clear() {
    Arrays.fill(caches, 0, size, null);
    size = 0;
  }

  /** Entries added since the last {@link #clear()}. */
  public int size() {
    return size;
  }

  KvCache cache(int i) {
    return caches[i];
  }

  int token(int i) {
    return tokens[i];
  }

  int position(int i) {
    return positions[i];
  }

  boolean wantsLogits(int i) {
    return wantLogits[i];
  }
}
