package dev.wasmgrid.llm;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * SentencePiece-style BPE as llama2.c does it: a dummy leading space, one token per character
 * (falling back to {@code <0xNN>} byte tokens for characters not in the vocabulary), then
 * repeatedly merge the adjacent pair whose concatenation is the best-scoring token.
 */
public final class Tokenizer {
  private final Vocabulary vocab;
  private final Map<String, Integer> ids;
  private final int[] byteTokens = new int[256];

  public Tokenizer(Vocabulary vocab) {
    this.vocab = vocab;
    this.ids = new HashMap<>();
    java.util.Arrays.fill(byteTokens, -1);
    for (int i = 0; i < vocab.size(); i++) {
      String t = vocab.token(i);
      ids.putIfAbsent(t, i);
      int b = byteValue(t);
      if (b >= 0 && byteTokens[b] < 0) {
        byteTokens[b] = i;
      }
    }
  }

  public Vocabulary vocabulary() {
    return vocab;
  }

  /**
   * Token ids of {@code text}.
   *
   * @param bos put the beginning-of-sequence token first
   * @throws IllegalArgumentException if a character has neither a token nor byte tokens
   */
  public int[] encode(String text, boolean bos) {
    List<Integer> tokens = new ArrayList<>();
    if (bos) {
      tokens.add(vocab.bos());
    }
    int first = tokens.size();
    if (!text.isEmpty()) {
      Integer space = ids.get(" ");
      if (space != null) {
        tokens.add(space);
      }
    }
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      String ch = new String(Character.toChars(cp));
      i += Character.charCount(cp);
      Integer id = ids.get(ch);
      if (id != null) {
        tokens.add(id);
        continue;
      }
      for (byte b : ch.getBytes(StandardCharsets.UTF_8)) {
        int t = byteTokens[b & 0xff];
        if (t < 0) {
          throw new IllegalArgumentException(
              "character U+" + Integer.toHexString(cp) + " has no token and no byte fallback");
        }
        tokens.add(t);
      }
    }
    merge(tokens, first);
    int[] out = new int[tokens.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = tokens.get(i);
    }
    return out;
  }

  private void merge(List<Integer> tokens, int first) {
    while (true) {
      float bestScore = Float.NEGATIVE_INFINITY;
      int bestId = -1;
      int bestAt = -1;
      for (int i = first; i + 1 < tokens.size(); i++) {
        Integer id = ids.get(vocab.token(tokens.get(i)) + vocab.token(tokens.get(i + 1)));
        if (id != null && vocab.score(id) > bestScore) {
          bestScore = vocab.score(id);
          bestId = id;
          bestAt = i;
        }
      }
      if (bestAt < 0) {
        return;
      }
      tokens.set(bestAt, bestId);
      tokens.remove(bestAt + 1);
    }
  }

  /**
   * The bytes {@code token} stands for after {@code previous}: its text in UTF-8, the raw byte of a
   * {@code <0xNN>} token, nothing for control tokens, and without the leading space the
   * SentencePiece decoder drops right after the beginning of a sequence.
   */
  public byte[] decode(int previous, int token) {
    if (vocab.type(token) == Vocabulary.CONTROL || vocab.type(token) == Vocabulary.UNKNOWN) {
      return new byte[0];
    }
    String text = vocab.token(token);
    int b = byteValue(text);
    if (b >= 0) {
      return new byte[] {(byte) b};
    }
    if (previous == vocab.bos() && text.startsWith(" ")) {
      text = text.substring(1);
    }
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** The byte a {@code <0xNN>} token stands for, or -1 for any other text. */
  public static int byteValue(String token) {
    if (token.length() != 6 || !token.startsWith("<0x") || token.charAt(5) != '>') {
      return -1;
    }
    int hi = Character.digit(token.charAt(3), 16);
    int lo = Character.digit(token.charAt(4), 16);
    return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
  }
}
