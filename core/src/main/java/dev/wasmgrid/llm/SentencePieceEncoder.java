package dev.wasmgrid.llm;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * SentencePiece-style BPE as llama2.c and llama.cpp do it: a dummy leading space, one token per
 * character (falling back to {@code <0xNN>} byte tokens for characters not in the vocabulary), then
 * repeatedly merge the adjacent pair whose concatenation is the best-scoring token (the leftmost
 * such pair on a tie). Thread-safe: encoding keeps its state in locals.
 */
final class SentencePieceEncoder implements TextEncoder {
  private final Vocabulary vocab;
  private final Map<String, Integer> ids;
  private final int[] byteTokens = new int[256];
  private final int space;
  private final int longest;

  SentencePieceEncoder(Vocabulary vocab, boolean addSpacePrefix) {
    this.vocab = vocab;
    this.ids = new HashMap<>();
    Arrays.fill(byteTokens, -1);
    int longestToken = 1;
    for (int i = 0; i < vocab.size(); i++) {
      String t = vocab.token(i);
      longestToken = Math.max(longestToken, t.length());
      ids.putIfAbsent(t, i);
      int b = Tokenizer.byteValue(t);
      if (b >= 0 && byteTokens[b] < 0) {
        byteTokens[b] = i;
      }
    }
    this.longest = longestToken;
    Integer spaceId = ids.get(" ");
    this.space = spaceId == null || !addSpacePrefix ? -1 : spaceId;
  }

  /** {@inheritDoc} The text is taken as the start of the input, so with its leading space. */
  @Override
  public int minimumTokens(String text) {
    // Every character starts as at least one symbol, and a token covers at most as many symbols
    // as its text has chars, since each symbol's text is at least one whole character.
    long symbols =
        (long) text.codePointCount(0, text.length()) + (text.isEmpty() || space < 0 ? 0 : 1);
    return (int) ((symbols + longest - 1) / longest);
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException if a character has neither a token nor byte tokens
   */
  @Override
  public void encode(String text, boolean afterSpecial, IntList out) {
    int[] symbols = symbols(text, afterSpecial);
    out.addAll(symbols, new Merges(symbols).run());
  }

  /**
   * One token per character, or its UTF-8 bytes' tokens, after the dummy leading space that starts
   * the input and follows each special token.
   */
  private int[] symbols(String text, boolean afterSpecial) {
    int[] out = new int[text.length() + 1];
    int n = 0;
    if (afterSpecial && !text.isEmpty() && space >= 0) {
      out[n++] = space;
    }
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      String ch = new String(Character.toChars(cp));
      i += Character.charCount(cp);
      Integer id = ids.get(ch);
      byte[] bytes = id == null ? ch.getBytes(StandardCharsets.UTF_8) : null;
      int needed = id == null ? bytes.length : 1;
      if (n + needed > out.length) {
        out = Arrays.copyOf(out, Math.max(out.length * 2, n + needed));
      }
      if (id != null) {
        out[n++] = id;
        continue;
      }
      for (byte b : bytes) {
        int t = byteTokens[b & 0xff];
        if (t < 0) {
          throw new IllegalArgumentException(
              "character U+" + Integer.toHexString(cp) + " has no token and no byte fallback");
        }
        out[n++] = t;
      }
    }
    return Arrays.copyOf(out, n);
  }

  /**
   * The merges over a doubly linked list of symbols, each merge taking the best-scoring adjacent
   * pair and, among equal scores, the leftmost: the same choice as rescanning every pair after each
   * merge, in O(n log n) rather than O(n²). A queue entry stays while the pair it names is gone; it
   * is skipped when it comes up.
   */
  private final class Merges {
    private final int[] tokens;
    private final int[] prev;
    private final int[] next;
    private final PriorityQueue<Candidate> queue = new PriorityQueue<>();

    Merges(int[] tokens) {
      this.tokens = tokens;
      int n = tokens.length;
      this.prev = new int[n];
      this.next = new int[n];
      for (int i = 0; i < n; i++) {
        prev[i] = i - 1;
        next[i] = i + 1 < n ? i + 1 : -1;
      }
      for (int i = 0; i + 1 < n; i++) {
        offer(i, i + 1);
      }
    }

    /** Merges until no pair has a token, leaves the result at the front, and returns its length. */
    int run() {
      for (Candidate c = queue.poll(); c != null; c = queue.poll()) {
        int left = c.left();
        int right = c.right();
        if (next[left] != right
            || tokens[left] != c.leftToken()
            || tokens[right] != c.rightToken()) {
          continue;
        }
        tokens[left] = c.merged();
        tokens[right] = -1;
        int after = next[right];
        next[left] = after;
        if (after >= 0) {
          prev[after] = left;
        }
        if (prev[left] >= 0) {
          offer(prev[left], left);
        }
        if (after >= 0) {
          offer(left, after);
        }
      }
      int n = 0;
      for (int i = tokens.length == 0 ? -1 : 0; i >= 0; i = next[i]) {
        tokens[n++] = tokens[i];
      }
      return n;
    }

    private void offer(int left, int right) {
      Integer merged = ids.get(vocab.token(tokens[left]) + vocab.token(tokens[right]));
      // Only a score above -infinity can win (NaN never does), as in a scan for the best.
      if (merged != null && vocab.score(merged) > Float.NEGATIVE_INFINITY) {
        queue.add(
            new Candidate(vocab.score(merged), left, right, tokens[left], tokens[right], merged));
      }
    }
  }

  /** A pair that may merge: best score first, then leftmost ({@code left} keeps list order). */
  private record Candidate(
      float score, int left, int right, int leftToken, int rightToken, int merged)
      implements Comparable<Candidate> {
    @Override
    public int compareTo(Candidate o) {
      // Not Float.compare, which would rank 0.0 above -0.0: a scan for the best holds them equal.
      if (score != o.score) {
        return score > o.score ? -1 : 1;
      }
      return Integer.compare(left, o.left);
    }
  }

  /**
   * The bytes {@code token} stands for after {@code previous}: its text in UTF-8, the raw byte of a
   * {@code <0xNN>} token, nothing for control tokens, and without the leading space the
   * SentencePiece decoder drops right after the beginning of a sequence.
   */
  @Override
  public byte[] decode(int previous, int token) {
    if (vocab.type(token) == Vocabulary.CONTROL || vocab.type(token) == Vocabulary.UNKNOWN) {
      return new byte[0];
    }
    String text = vocab.token(token);
    int b = Tokenizer.byteValue(text);
    if (b >= 0) {
      return new byte[] {(byte) b};
    }
    if (previous == vocab.bos() && text.startsWith(" ")) {
      text = text.substring(1);
    }
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
