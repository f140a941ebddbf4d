package dev.wasmgrid.llm;

import java.util.Arrays;
import java.util.List;

/**
 * A vocabulary: token texts, merge scores, token kinds, the special ids, the ids that end a
 * generation, and how text becomes tokens ({@link TokenizerModel}, whether BOS and EOS are added).
 * SentencePiece texts hold spaces as ' ', not U+2581; byte-level BPE texts are as the file has them
 * (GPT-2's byte characters). Both model formats read into this, and the writers write it.
 */
public final class Vocabulary {

  /** Token kinds, as GGUF numbers them. */
  public static final int NORMAL = 1;

  public static final int UNKNOWN = 2;
  public static final int CONTROL = 3;
  public static final int USER_DEFINED = 4;
  public static final int BYTE = 6;

  private final List<String> tokens;
  private final float[] scores;
  private final int[] types;
  private final int bos;
  private final int eos;
  private final int[] stops;
  private final TokenizerModel model;
  private final boolean addBos;
  private final boolean addEos;
  private final String chatTemplate;

  /** A vocabulary whose generations stop on {@code eos} alone. */
  public Vocabulary(List<String> tokens, float[] scores, int[] types, int bos, int eos) {
    this(tokens, scores, types, bos, eos, new int[] {eos});
  }

  /** A SentencePiece vocabulary that adds BOS, not EOS, and a leading space. */
  public Vocabulary(
      List<String> tokens, float[] scores, int[] types, int bos, int eos, int[] stops) {
    this(
        tokens,
        scores,
        types,
        bos,
        eos,
        stops,
        new TokenizerModel.SentencePiece(true),
        true,
        false);
  }

  /**
   * @param tokens token texts by id
   * @param scores merge priority by id (higher merges first; SentencePiece only)
   * @param types kinds by id ({@link #NORMAL}, {@link #CONTROL}, {@link #BYTE}, ...)
   * @param bos id of the beginning-of-sequence token
   * @param eos id of the end-of-sequence token
   * @param stops ids that end a generation: EOS and any other end of text (end of turn, ...)
   * @param model how text becomes tokens
   * @param addBos whether an encoded prompt starts with BOS
   * @param addEos whether an encoded prompt ends with EOS
   */
  public Vocabulary(
      List<String> tokens,
      float[] scores,
      int[] types,
      int bos,
      int eos,
      int[] stops,
      TokenizerModel model,
      boolean addBos,
      boolean addEos) {
    this(tokens, scores, types, bos, eos, stops, model, addBos, addEos, null);
  }

  private Vocabulary(
      List<String> tokens,
      float[] scores,
      int[] types,
      int bos,
      int eos,
      int[] stops,
      TokenizerModel model,
      boolean addBos,
      boolean addEos,
      String chatTemplate) {
    this.tokens = List.copyOf(tokens);
    if (scores.length != tokens.size() || types.length != tokens.size()) {
      throw new ModelFormatException(
          "vocabulary of "
              + tokens.size()
              + " tokens has "
              + scores.length
              + " scores and "
              + types.length
              + " types");
    }
    if (bos < 0 || bos >= tokens.size() || eos < 0 || eos >= tokens.size()) {
      throw new ModelFormatException(
          "bos " + bos + " / eos " + eos + " outside the vocabulary of " + tokens.size());
    }
    this.stops = stops.clone();
    for (int id : this.stops) {
      if (id < 0 || id >= tokens.size()) {
        throw new ModelFormatException(
            "stop token " + id + " outside the vocabulary of " + tokens.size());
      }
    }
    if (!isStop(eos)) {
      throw new ModelFormatException(
          "stop tokens " + Arrays.toString(stops) + " must include eos " + eos);
    }
    this.scores = scores.clone();
    this.types = types.clone();
    this.bos = bos;
    this.eos = eos;
    this.model = model;
    this.addBos = addBos;
    this.addEos = addEos;
    this.chatTemplate = chatTemplate;
  }

  /**
   * This vocabulary with the model's chat template ({@code tokenizer.chat_template}: Jinja source,
   * rendered by the server), or with none when {@code template} is null.
   */
  public Vocabulary withChatTemplate(String template) {
    return new Vocabulary(tokens, scores, types, bos, eos, stops, model, addBos, addEos, template);
  }

  /** The model's Jinja chat template, or null when the file has none. */
  public String chatTemplate() {
    return chatTemplate;
  }

  /** Kinds guessed from the texts, for formats that do not store them (llama2.c). */
  public static int[] guessTypes(List<String> tokens, int bos, int eos) {
    int[] types = new int[tokens.size()];
    for (int i = 0; i < types.length; i++) {
      String t = tokens.get(i);
      if (i == bos || i == eos) {
        types[i] = CONTROL;
      } else if (Tokenizer.byteValue(t) >= 0) {
        types[i] = BYTE;
      } else if (t.equals("<unk>")) {
        types[i] = UNKNOWN;
      } else {
        types[i] = NORMAL;
      }
    }
    return types;
  }

  public int size() {
    return tokens.size();
  }

  public String token(int id) {
    return tokens.get(id);
  }

  public List<String> tokens() {
    return tokens;
  }

  public float score(int id) {
    return scores[id];
  }

  public int type(int id) {
    return types[id];
  }

  public int bos() {
    return bos;
  }

  public int eos() {
    return eos;
  }

  /** How text becomes tokens. */
  public TokenizerModel model() {
    return model;
  }

  /** Whether an encoded prompt starts with BOS. */
  public boolean addBos() {
    return addBos;
  }

  /** Whether an encoded prompt ends with EOS. */
  public boolean addEos() {
    return addEos;
  }

  /** The ids that end a generation. */
  public int[] stops() {
    return stops.clone();
  }

  /** Whether {@code id} ends a generation. */
  public boolean isStop(int id) {
    for (int s : stops) {
      if (s == id) {
        return true;
      }
    }
    return false;
  }
}
