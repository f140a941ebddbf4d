package dev.wasmgrid.llm;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * GPT-2's byte-level BPE: the pre-tokenizer cuts the text into pieces; each piece's UTF-8 bytes are
 * written as GPT-2's byte characters (a printable character per byte: {@code Ġ} for a space, {@code
 * Ċ} for a newline); the adjacent pair with the best (lowest) merge rank merges until none has a
 * rank, the leftmost first among equals. Thread-safe: encoding keeps its state in locals.
 */
final class ByteLevelBpeEncoder implements TextEncoder {

  /** GPT-2's character for each byte. */
  private static final char[] BYTE_CHARS = byteChars();

  private final Vocabulary vocab;
  private final PreTokenizer pre;
  private final Map<String, Integer> ids = new HashMap<>();
  private final Map<String, Integer> ranks = new HashMap<>();
  private final int[] charBytes;
  private final int longest;

  ByteLevelBpeEncoder(Vocabulary vocab, TokenizerModel.ByteLevelBpe model) {
    this.vocab = vocab;
    this.pre = model.pre();
    int longestToken = 1;
    for (int i = 0; i < vocab.size(); i++) {
      ids.putIfAbsent(vocab.token(i), i);
      longestToken = Math.max(longestToken, vocab.token(i).length());
    }
    this.longest = longestToken;
    List<String> merges = model.merges();
    for (int rank = 0; rank < merges.size(); rank++) {
      ranks.putIfAbsent(merges.get(rank), rank);
    }
    int top = 0;
    for (char c : BYTE_CHARS) {
      top = Math.max(top, c);
    }
    charBytes = new int[top + 1];
    Arrays.fill(charBytes, -1);
    for (int b = 0; b < 256; b++) {
      charBytes[BYTE_CHARS[b]] = b;
    }
  }

  @Override
  public int minimumTokens(String text) {
    // A token stands for as many bytes as its text has characters, and every char of the text is
    // at least one byte.
    return (text.length() + longest - 1) / longest;
  }

  @Override
  public void encode(String text, boolean afterSpecial, IntList out) {
    for (String piece : pre.split(text)) {
      String word = byteChars(piece);
      Integer whole = pre.takesWholeWords() ? ids.get(word) : null;
      if (whole != null) {
        out.add(whole);
      } else {
        merge(word, out);
      }
    }
  }

  /** Merges the characters of {@code word} and appends the tokens of the symbols left. */
  private void merge(String word, IntList out) {
    int n = word.length();
    int[] length = new int[n];
    int[] next = new int[n];
    int[] prev = new int[n];
    for (int i = 0; i < n; i++) {
      length[i] = 1;
      prev[i] = i - 1;
      next[i] = i + 1 < n ? i + 1 : -1;
    }
    PriorityQueue<Pair> queue = new PriorityQueue<>();
    for (int i = 0; i + 1 < n; i++) {
      offer(queue, word, i, 1, i + 1, 1);
    }
    for (Pair p = queue.poll(); p != null; p = queue.poll()) {
      // A pair whose symbols have changed since it was queued is stale: both still start where
      // they did, so the same lengths and adjacency mean the same texts.
      if (next[p.left()] != p.right()
          || length[p.left()] != p.leftLength()
          || length[p.right()] != p.rightLength()) {
        continue;
      }
      int left = p.left();
      length[left] += length[p.right()];
      length[p.right()] = 0;
      int after = next[p.right()];
      next[left] = after;
      if (after >= 0) {
        prev[after] = left;
      }
      if (prev[left] >= 0) {
        offer(queue, word, prev[left], length[prev[left]], left, length[left]);
      }
      if (after >= 0) {
        offer(queue, word, left, length[left], after, length[after]);
      }
    }
    for (int i = n == 0 ? -1 : 0; i >= 0; i = next[i]) {
      String symbol = word.substring(i, i + length[i]);
      Integer id = ids.get(symbol);
      if (id != null) {
        out.add(id);
        continue;
      }
      // A merge whose result is not in the vocabulary: its characters one by one, as far as the
      // vocabulary has them (llama.cpp's fallback).
      for (int c = 0; c < symbol.length(); c++) {
        Integer single = ids.get(symbol.substring(c, c + 1));
        if (single != null) {
          out.add(single);
        }
      }
    }
  }

  private void offer(
      PriorityQueue<Pair> queue,
      String word,
      int left,
      int leftLength,
      int right,
      int rightLength) {
    String key =
        word.substring(left, left + leftLength) + ' ' + word.substring(right, right + rightLength);
    Integer rank = ranks.get(key);
    if (rank != null) {
      queue.add(new Pair(rank, left, leftLength, right, rightLength));
    }
  }

  /** A pair that may merge: lowest rank first, then leftmost. */
  private record Pair(int rank, int left, int leftLength, int right, int rightLength)
      implements Comparable<Pair> {
    @Override
    public int compareTo(Pair o) {
      return rank != o.rank ? Integer.compare(rank, o.rank) : Integer.compare(left, o.left);
    }
  }

  /**
   * The bytes of {@code token}: a normal token's characters mapped back to bytes, a user-defined
   * token's text, nothing for control and other tokens.
   */
  @Override
  public byte[] decode(int previous, int token) {
    String text = vocab.token(token);
    return switch (vocab.type(token)) {
      case Vocabulary.NORMAL -> bytes(text);
      case Vocabulary.USER_DEFINED -> text.getBytes(StandardCharsets.UTF_8);
      default -> new byte[0];
    };
  }

  private byte[] bytes(String text) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      i += Character.charCount(cp);
      int b = cp < charBytes.length ? charBytes[cp] : -1;
      if (b >= 0) {
        out.write(b);
      } else {
        // Not a byte character: a vocabulary that holds plain text; keep it as text.
        byte[] utf8 = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
        out.write(utf8, 0, utf8.length);
      }
    }
    return out.toByteArray();
  }

  /** {@code text}'s UTF-8 bytes as GPT-2's byte characters. */
  private static String byteChars(String text) {
    byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
    char[] out = new char[utf8.length];
    for (int i = 0; i < utf8.length; i++) {
      out[i] = BYTE_CHARS[utf8[i] & 0xff];
    }
    return new String(out);
  }

  /**
   * GPT-2's table: the printable Latin-1 bytes ({@code !}..{@code ~}, {@code ¡}..{@code ¬}, {@code
   * ®}..{@code ÿ}) stand for themselves, the other bytes in order for U+0100 onwards.
   */
  private static char[] byteChars() {
    char[] chars = new char[256];
    int extra = 0;
    for (int b = 0; b < 256; b++) {
      boolean printable =
          (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      chars[b] = printable ? (char) b : (char) (256 + extra++);
    }
    return chars;
  }
}
