package dev.wasmgrid.llm;

import java.util.ArrayList;
import java.util.List;

/**
 * The byte-level BPE pre-tokenizers, as GGUF's {@code tokenizer.ggml.pre} names them: each splits
 * text into the pieces that BPE merges within. Written as scanners over code points rather than
 * regular expressions, so the JVM and the browser build (TeaVM) split alike; they follow the
 * expressions of the models' own tokenizers and llama.cpp's scanners for them:
 *
 * <ul>
 *   <li>{@link #GPT2}: {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+|
 *       ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+}
 *   <li>{@link #LLAMA3}: {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
 *       ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+}
 *   <li>{@link #QWEN2}: Llama 3's, with digits one at a time ({@code \p{N}})
 *   <li>{@link #SMOLLM}: every digit alone, then GPT-2's within what is left
 * </ul>
 */
public enum PreTokenizer {
  GPT2,
  LLAMA3,
  QWEN2,
  SMOLLM;

  /** The names GGUF files give it. */
  private List<String> names() {
    return switch (this) {
      case GPT2 -> List.of("gpt2", "gpt-2");
      case LLAMA3 -> List.of("llama-bpe", "llama3", "llama-v3");
      case QWEN2 -> List.of("qwen2", "deepseek-r1-qwen");
      case SMOLLM -> List.of("smollm");
    };
  }

  /** The name llama.cpp's converter writes for it in {@code tokenizer.ggml.pre}. */
  public String ggufName() {
    return names().get(0);
  }

  /**
   * The pre-tokenizer GGUF names {@code name}.
   *
   * @throws ModelFormatException naming the key and the value when none matches
   */
  public static PreTokenizer fromGguf(String name) {
    for (PreTokenizer p : values()) {
      if (p.names().contains(name)) {
        return p;
      }
    }
    List<String> known = new ArrayList<>();
    for (PreTokenizer p : values()) {
      known.addAll(p.names());
    }
    throw new ModelFormatException(
        "GGUF: tokenizer.ggml.pre is '" + name + "'; supported pre-tokenizers: " + known);
  }

  /**
   * Whether a piece that is a whole token is taken as it is, without its merges (Llama 3's
   * tokenizer does so; merges need not rebuild every token).
   */
  public boolean takesWholeWords() {
    return this == LLAMA3;
  }

  /** The pieces of {@code text}, in order; together they are the whole text. */
  public List<String> split(String text) {
    int[] cps = codePoints(text);
    Pieces out = new Pieces(cps);
    switch (this) {
      case GPT2 -> gpt2(cps, 0, cps.length, out);
      case LLAMA3 -> llama3(cps, 0, cps.length, 3, out);
      case QWEN2 -> llama3(cps, 0, cps.length, 1, out);
      case SMOLLM -> {
        int start = 0;
        for (int i = 0; i < cps.length; i++) {
          if (isNumber(cps[i])) {
            gpt2(cps, start, i, out);
            out.end(i + 1);
            start = i + 1;
          }
        }
        gpt2(cps, start, cps.length, out);
      }
    }
    return out.pieces;
  }

  private static int[] codePoints(String text) {
    int[] cps = new int[text.codePointCount(0, text.length())];
    for (int i = 0, n = 0; i < text.length(); n++) {
      cps[n] = text.codePointAt(i);
      i += Character.charCount(cps[n]);
    }
    return cps;
  }

  /** GPT-2's expression over {@code cps[from, to)}. */
  private static void gpt2(int[] cps, int from, int to, Pieces out) {
    Span s = new Span(cps, from, to);
    int pos = from;
    while (pos < to) {
      int cp = cps[pos];
      int contraction = contraction(s, pos, false);
      if (contraction > 0) {
        pos = out.end(pos + contraction);
        continue;
      }
      int at = cp == ' ' ? pos + 1 : pos;
      if (s.letter(at)) {
        pos = at;
        while (s.letter(pos)) {
          pos++;
        }
        out.end(pos);
        continue;
      }
      if (s.number(at)) {
        pos = at;
        while (s.number(pos)) {
          pos++;
        }
        out.end(pos);
        continue;
      }
      if (s.other(at)) {
        pos = at;
        while (s.other(pos)) {
          pos++;
        }
        out.end(pos);
        continue;
      }
      pos = out.end(whitespace(s, pos, false));
    }
  }

  /** Llama 3's expression over {@code cps[from, to)}, digits in groups of up to {@code digits}. */
  private static void llama3(int[] cps, int from, int to, int digits, Pieces out) {
    Span s = new Span(cps, from, to);
    int pos = from;
    while (pos < to) {
      int cp = cps[pos];
      int contraction = contraction(s, pos, true);
      if (contraction > 0) {
        pos = out.end(pos + contraction);
        continue;
      }
      // [^\r\n\p{L}\p{N}]?\p{L}+
      if (cp != '\r' && cp != '\n' && !s.number(pos) && (s.letter(pos) || s.letter(pos + 1))) {
        pos++;
        while (s.letter(pos)) {
          pos++;
        }
        out.end(pos);
        continue;
      }
      // \p{N}{1,3}
      if (s.number(pos)) {
        int group = pos;
        while (s.number(pos)) {
          pos++;
          if (pos - group >= digits) {
            out.end(pos);
            group = pos;
          }
        }
        out.end(pos);
        continue;
      }
      // ' ?[^\s\p{L}\p{N}]+[\r\n]*': a lone space at the end of the span is taken here too, as the
      // expression's '\s+(?!\S)' would take it.
      int at = cp == ' ' ? pos + 1 : pos;
      if (at >= to || s.other(at)) {
        pos = at;
        while (s.other(pos)) {
          pos++;
        }
        while (s.is(pos, '\r') || s.is(pos, '\n')) {
          pos++;
        }
        out.end(pos);
        continue;
      }
      pos = out.end(whitespace(s, pos, true));
    }
  }

  /**
   * Length of the contraction ('s, 't, 're, 've, 'm, 'll, 'd) at {@code pos}, or 0; {@code anyCase}
   * also takes upper-case letters.
   */
  private static int contraction(Span s, int pos, boolean anyCase) {
    if (!s.is(pos, '\'') || !s.in(pos + 1)) {
      return 0;
    }
    int a = s.lower(pos + 1, anyCase);
    if (a == 's' || a == 't' || a == 'm' || a == 'd') {
      return 2;
    }
    if (!s.in(pos + 2)) {
      return 0;
    }
    int b = s.lower(pos + 2, anyCase);
    return (a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l') ? 3 : 0;
  }

  /**
   * Where the whitespace alternatives end a piece that starts at {@code pos}: {@code \s*[\r\n]+}
   * (Llama 3 only), then {@code \s+(?!\S)} (all but the last blank when a non-blank follows), then
   * {@code \s+}; anything else is one code point alone.
   */
  private static int whitespace(Span s, int pos, boolean lineBreaks) {
    int n = 0;
    int afterBreak = -1;
    while (s.space(pos + n)) {
      if (s.is(pos + n, '\r') || s.is(pos + n, '\n')) {
        afterBreak = pos + n + 1;
      }
      n++;
    }
    if (lineBreaks && afterBreak > 0) {
      return afterBreak;
    }
    if (n > 1 && s.in(pos + n)) {
      return pos + n - 1;
    }
    return n > 0 ? pos + n : pos + 1;
  }

  /** Whether {@code cp} is a number ({@code \p{N}}: Nd, Nl, No). */
  static boolean isNumber(int cp) {
    int t = Character.getType(cp);
    return t == Character.DECIMAL_DIGIT_NUMBER
        || t == Character.LETTER_NUMBER
        || t == Character.OTHER_NUMBER;
  }

  /** Whether {@code cp} is a letter ({@code \p{L}}: Lu, Ll, Lt, Lm, Lo). */
  static boolean isLetter(int cp) {
    int t = Character.getType(cp);
    return t == Character.UPPERCASE_LETTER
        || t == Character.LOWERCASE_LETTER
        || t == Character.TITLECASE_LETTER
        || t == Character.MODIFIER_LETTER
        || t == Character.OTHER_LETTER;
  }

  /** Whether {@code cp} is white space ({@code \s} as the tokenizers' regex engines take it). */
  static boolean isSpace(int cp) {
    return (cp >= 0x09 && cp <= 0x0D)
        || cp == 0x20
        || cp == 0x85
        || cp == 0xA0
        || cp == 0x1680
        || (cp >= 0x2000 && cp <= 0x200A)
        || cp == 0x2028
        || cp == 0x2029
        || cp == 0x202F
        || cp == 0x205F
        || cp == 0x3000;
  }

  /** Code points {@code [from, to)} of a text, with the classes the scanners ask about. */
  private static final class Span {
    private final int[] cps;
    private final int from;
    private final int to;

    Span(int[] cps, int from, int to) {
      this.cps = cps;
      this.from = from;
      this.to = to;
    }

    boolean in(int i) {
      return i >= from && i < to;
    }

    boolean is(int i, int cp) {
      return in(i) && cps[i] == cp;
    }

    boolean letter(int i) {
      return in(i) && isLetter(cps[i]);
    }

    boolean number(int i) {
      return in(i) && isNumber(cps[i]);
    }

    boolean space(int i) {
      return in(i) && isSpace(cps[i]);
    }

    /** {@code [^\s\p{L}\p{N}]}: in the span and neither blank, letter nor number. */
    boolean other(int i) {
      return in(i) && !isSpace(cps[i]) && !isLetter(cps[i]) && !isNumber(cps[i]);
    }

    int lower(int i, boolean anyCase) {
      return anyCase ? Character.toLowerCase(cps[i]) : cps[i];
    }
  }

  /** The pieces cut so far, each ending where the next begins. */
  private static final class Pieces {
    final int[] cps;
    final List<String> pieces = new ArrayList<>();
    int start;

    Pieces(int[] cps) {
      this.cps = cps;
    }

    /**
     * Ends the current piece at {@code end} (nothing if it would be empty); returns {@code end}.
     */
    int end(int end) {
      if (end > start) {
        pieces.add(new String(cps, start, end - start));
        start = end;
      }
      return end;
    }
  }
}
