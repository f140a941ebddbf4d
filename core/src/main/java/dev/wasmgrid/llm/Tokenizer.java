package dev.wasmgrid.llm;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Text to token ids and back for one vocabulary, by the algorithm its {@link TokenizerModel} names
 * (SentencePiece or GPT-2 byte-level BPE). Special tokens are split out of the text before the
 * algorithm runs, as llama.cpp does: user-defined tokens always, control tokens (BOS, end of turn,
 * chat markers...) only when the caller asks for them, so user text never yields a control id. A
 * prompt rendered from a chat template is encoded with {@link #encodeTemplate}: control texts in
 * the template become control ids, while the messages' contents, marked by {@link #guard} before
 * rendering, stay text. Thread-safe.
 */
public final class Tokenizer {
  /**
   * Put by {@link #guard} after the first character of a control token's text, which no longer
   * matches; doubled where the text had it. A private-use character: no template or tokenizer gives
   * it a meaning.
   */
  static final char GUARD = '\uE000';

  private final Vocabulary vocab;
  private final TextEncoder encoder;

  /** Ids of the tokens that may be split out of text, longest text first. */
  private final int[] specials;

  /** Length of the longest user-defined token's text, 0 if none. */
  private final int longestUserDefined;

  /** Texts of the tokens that {@link #guard} breaks: those only a template may produce. */
  private final List<String> guarded = new ArrayList<>();

  public Tokenizer(Vocabulary vocab) {
    this.vocab = vocab;
    // instanceof rather than a pattern switch, which the browser build (TeaVM) cannot compile.
    if (vocab.model() instanceof TokenizerModel.ByteLevelBpe bpe) {
      this.encoder = new ByteLevelBpeEncoder(vocab, bpe);
    } else {
      TokenizerModel.SentencePiece spm = (TokenizerModel.SentencePiece) vocab.model();
      this.encoder = new SentencePieceEncoder(vocab, spm.addSpacePrefix());
    }
    List<Integer> found = new ArrayList<>();
    int longest = 0;
    for (int id = 0; id < vocab.size(); id++) {
      int type = vocab.type(id);
      if ((type == Vocabulary.CONTROL
              || type == Vocabulary.USER_DEFINED
              || type == Vocabulary.UNKNOWN)
          && !vocab.token(id).isEmpty()) {
        found.add(id);
      }
      if (type == Vocabulary.USER_DEFINED) {
        longest = Math.max(longest, vocab.token(id).length());
      }
    }
    // Longest first, so that a special token is not cut out of a longer one.
    found.sort((a, b) -> Integer.compare(vocab.token(b).length(), vocab.token(a).length()));
    this.specials = new int[found.size()];
    for (int i = 0; i < specials.length; i++) {
      specials[i] = found.get(i);
    }
    this.longestUserDefined = longest;
    for (int id : specials) {
      String text = vocab.token(id);
      if (vocab.type(id) != Vocabulary.USER_DEFINED
          && text.length() > Character.charCount(text.codePointAt(0))
          && text.indexOf(GUARD) < 0) {
        guarded.add(text);
      }
    }
  }

  public Vocabulary vocabulary() {
    return vocab;
  }

  /**
   * A lower bound on {@code encode(text, addSpecial).length}, in time linear in the text's length
   * and without encoding it: for refusing a prompt too long for a context before paying for its
   * merges.
   */
  public int minimumLength(String text, boolean addSpecial) {
    int bound = text.isEmpty() ? 0 : encoder.minimumTokens(text);
    if (longestUserDefined > 1) {
      // User text may hold user-defined tokens, which may cover more of it than ordinary ones.
      bound = Math.min(bound, (text.length() + longestUserDefined - 1) / longestUserDefined);
    }
    return bound + added(addSpecial);
  }

  /**
   * Token ids of user text: control tokens written in it stay text.
   *
   * @param addSpecial add the BOS and EOS the vocabulary asks for ({@link Vocabulary#addBos()},
   *     {@link Vocabulary#addEos()})
   * @throws IllegalArgumentException if a character has no token (SentencePiece without byte
   *     fallback)
   */
  public int[] encode(String text, boolean addSpecial) {
    return encode(text, addSpecial, false);
  }

  /**
   * Token ids of {@code text}.
   *
   * @param addSpecial add the BOS and EOS the vocabulary asks for
   * @param parseSpecial turn the texts of control tokens (as in a chat template: {@code
   *     <|im_start|>}, {@code </s>}) into their ids; user text must not be encoded so
   * @throws IllegalArgumentException if a character has no token
   */
  public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
    return encode(fragments(text, parseSpecial), addSpecial, addSpecial, UnaryOperator.identity());
  }

  /**
   * {@code text} with every control token's text in it broken by an invisible mark, so that {@link
   * #encodeTemplate} encodes it as the text it is: for a chat message's content, before it is
   * rendered into a template. Template filters that trim, split or compare text see the same
   * characters, and the marks never reach the model.
   */
  public String guard(String text) {
    boolean[] breakAfter = new boolean[text.length()];
    boolean changed = text.indexOf(GUARD) >= 0;
    for (String control : guarded) {
      for (int at = text.indexOf(control); at >= 0; at = text.indexOf(control, at + 1)) {
        breakAfter[at + Character.charCount(text.codePointAt(at)) - 1] = true;
        changed = true;
      }
    }
    if (!changed) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length() + 8);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      out.append(c);
      if (c == GUARD || breakAfter[i]) {
        out.append(GUARD);
      }
    }
    return out.toString();
  }

  /**
   * Token ids of a prompt rendered from a chat template: control tokens' texts become their ids,
   * except in text marked by {@link #guard}, which is encoded as text with its marks removed. The
   * vocabulary's BOS is added as {@link #encode(String, boolean)} adds it, unless the template
   * wrote it first (llama.cpp drops that second BOS too).
   */
  public int[] encodeTemplate(String rendered, boolean addSpecial) {
    List<Fragment> fragments = fragments(rendered, true);
    boolean startsWithBos = !fragments.isEmpty() && fragments.get(0).token() == vocab.bos();
    return encode(fragments, addSpecial && !startsWithBos, addSpecial, Tokenizer::unguard);
  }

  /** Guarded text as it was: a doubled mark is one mark, a single one is nothing. */
  private static String unguard(String text) {
    if (text.indexOf(GUARD) < 0) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c != GUARD) {
        out.append(c);
      } else if (i + 1 < text.length() && text.charAt(i + 1) == GUARD) {
        out.append(GUARD);
        i++;
      }
    }
    return out.toString();
  }

  private int[] encode(
      List<Fragment> fragments, boolean addBos, boolean addEos, UnaryOperator<String> plain) {
    IntList out = new IntList();
    if (addBos && vocab.addBos()) {
      out.add(vocab.bos());
    }
    boolean afterSpecial = true;
    for (Fragment f : fragments) {
      if (f.token() >= 0) {
        out.add(f.token());
        afterSpecial = true;
      } else {
        String text = plain.apply(f.text());
        if (!text.isEmpty()) {
          encoder.encode(text, afterSpecial, out);
          afterSpecial = false;
        }
      }
    }
    if (addEos && vocab.addEos()) {
      out.add(vocab.eos());
    }
    return out.toArray();
  }

  /**
   * The text cut around the special tokens in it, taking each special token in turn, longest first,
   * out of the text left (llama.cpp's order).
   */
  private List<Fragment> fragments(String text, boolean parseSpecial) {
    List<Fragment> fragments = new ArrayList<>();
    if (!text.isEmpty()) {
      fragments.add(new Fragment(text, -1));
    }
    for (int id : specials) {
      if (!parseSpecial && vocab.type(id) != Vocabulary.USER_DEFINED) {
        continue;
      }
      String special = vocab.token(id);
      List<Fragment> cut = new ArrayList<>(fragments.size());
      for (Fragment f : fragments) {
        if (f.token() >= 0) {
          cut.add(f);
          continue;
        }
        int from = 0;
        for (int at = f.text().indexOf(special); at >= 0; at = f.text().indexOf(special, from)) {
          if (at > from) {
            cut.add(new Fragment(f.text().substring(from, at), -1));
          }
          cut.add(new Fragment(special, id));
          from = at + special.length();
        }
        if (from == 0) {
          cut.add(f);
        } else if (from < f.text().length()) {
          cut.add(new Fragment(f.text().substring(from), -1));
        }
      }
      fragments = cut;
    }
    return fragments;
  }

  private int added(boolean addSpecial) {
    return addSpecial ? (vocab.addBos() ? 1 : 0) + (vocab.addEos() ? 1 : 0) : 0;
  }

  /**
   * The bytes {@code token} stands for after {@code previous}: its text in the vocabulary's
   * encoding, nothing for control tokens (SentencePiece also drops the leading space right after
   * the beginning of a sequence).
   */
  public byte[] decode(int previous, int token) {
    return encoder.decode(previous, token);
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

  /** Text to encode ({@code token} -1) or a special token split out of it. */
  private record Fragment(String text, int token) {}
}
