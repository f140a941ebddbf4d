package dev.wasmgrid.llm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * Keys and values of token sequences run before, for prompts that start with the same tokens: a
 * chat's earlier turns, a system prompt many requests share. A position's keys and values depend
 * only on the tokens up to it, so a prompt sharing its first n tokens with a kept sequence copies
 * those n positions instead of running them, and decodes exactly the tokens it would have without
 * the cache. Bounded in bytes; the least recently used sequences go first. Thread-safe: one cache
 * serves every generation slot of a model.
 */
public final class PromptCache {
  private final long maxBytes;
  private final LinkedHashMap<Key, KvCache> entries = new LinkedHashMap<>(16, 0.75f, true);
  private long bytes;
  private long hits;
  private long misses;
  private long reusedTokens;

  /** A cache holding at most {@code maxBytes} of keys and values. */
  public PromptCache(long maxBytes) {
    if (maxBytes < 0) {
      throw new IllegalArgumentException("maxBytes must be >= 0, got " + maxBytes);
    }
    this.maxBytes = maxBytes;
  }

  /** What the cache holds and has done. */
  public record Stats(int sequences, long bytes, long hits, long misses, long reusedTokens) {}

  /** A kept sequence's tokens; equal by content. */
  private static final class Key {
    final int[] tokens;

    Key(int[] tokens) {
      this.tokens = tokens;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && Arrays.equals(tokens, k.tokens);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(tokens);
    }
  }

  /**
   * Copies into {@code target} the longest run of positions that {@code prompt} shares with a kept
   * sequence, leaving at least the prompt's last token to run (its logits are needed), and returns
   * how many positions were copied: 0 when none are shared.
   */
  public synchronized int restore(int[] prompt, KvCache target) {
    KvCache best = null;
    Key bestKey = null;
    int bestLength = 0;
    for (var e : entries.entrySet()) {
      int n = Math.min(commonPrefix(e.getKey().tokens, prompt), prompt.length - 1);
      if (n > bestLength) {
        bestLength = n;
        best = e.getValue();
        bestKey = e.getKey();
      }
    }
    if (best == null) {
      misses++;
      return 0;
    }
    entries.get(bestKey); // marks it recently used
    target.copyPrefix(best, bestLength);
    hits++;
    reusedTokens += bestLength;
    return bestLength;
  }

  /**
   * Keeps positions {@code [0, length)} of {@code source} as the keys and values of {@code
   * tokens[0, length)}. A kept sequence this one extends is dropped; a sequence larger than the
   * whole cache is not kept.
   */
  public synchronized void store(int[] tokens, int length, KvCache source) {
    if (length < 1) {
      return;
    }
    long size = source.bytes(length);
    if (size > maxBytes) {
      return;
    }
    List<Key> covered = new ArrayList<>();
    for (Key k : entries.keySet()) {
      int common = commonPrefix(k.tokens, tokens, length);
      if (common == length && k.tokens.length >= length) {
        entries.get(k); // already kept, as this or a longer sequence
        return;
      }
      if (common == k.tokens.length) {
        covered.add(k);
      }
    }
    covered.forEach(this::remove);
    Iterator<KvCache> eldest = entries.values().iterator();
    while (bytes + size > maxBytes && eldest.hasNext()) {
      bytes -= eldest.next().bytes();
      eldest.remove();
    }
    entries.put(new Key(Arrays.copyOf(tokens, length)), KvCache.snapshot(source, length));
    bytes += size;
  }

  /** Counts and size so far. */
  public synchronized Stats stats() {
    return new Stats(entries.size(), bytes, hits, misses, reusedTokens);
  }

  private void remove(Key k) {
    bytes -= entries.remove(k).bytes();
  }

  private static int commonPrefix(int[] a, int[] b) {
    return commonPrefix(a, b, b.length);
  }

  private static int commonPrefix(int[] a, int[] b, int bLength) {
    int n = Math.min(a.length, bLength);
    int i = Arrays.mismatch(a, 0, n, b, 0, n);
    return i < 0 ? n : i;
  }
}
