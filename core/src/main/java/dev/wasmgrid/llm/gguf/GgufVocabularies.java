package dev.wasmgrid.llm.gguf;

import dev.wasmgrid.llm.ModelFormatException;
import dev.wasmgrid.llm.PreTokenizer;
import dev.wasmgrid.llm.TokenizerModel;
import dev.wasmgrid.llm.Vocabulary;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads the vocabulary from {@code tokenizer.ggml.*}: the tokenizer model ({@code llama}:
 * SentencePiece, {@code gpt2}: byte-level BPE with {@code merges} and the pre-tokenizer {@code
 * pre}), tokens, scores, kinds, special ids, the add-BOS/EOS flags, the ids that end a generation,
 * and the chat template ({@code tokenizer.chat_template}). Defaults are llama.cpp's.
 */
final class GgufVocabularies {

  /**
   * Texts that end a turn or a message in the chat formats of the supported models; llama.cpp ends
   * generation on them too, whether or not the file names them.
   */
  private static final Set<String> END_OF_GENERATION =
      Set.of(
          "<|eot_id|>",
          "<|eom_id|>",
          "<|im_end|>",
          "<|end|>",
          "<end_of_turn>",
          "<|endoftext|>",
          "<EOT>");

  private GgufVocabularies() {}

  static Vocabulary read(GgufFile file) {
    String kind = file.string("tokenizer.ggml.model", "");
    boolean bpe =
        switch (kind) {
          case "llama" -> false;
          case "gpt2" -> true;
          default ->
              throw new ModelFormatException(
                  "GGUF: tokenizer.ggml.model is '"
                      + kind
                      + "'; supported: 'llama' (SentencePiece), 'gpt2' (byte-level BPE)");
        };
    List<String> tokens = strings(file, "tokenizer.ggml.tokens");
    if (tokens.isEmpty()) {
      throw new ModelFormatException("GGUF: tokenizer.ggml.tokens is missing or empty");
    }
    if (!bpe) {
      tokens.replaceAll(t -> t.replace(GgufModels.SPACE_MARK, " "));
    }
    int n = tokens.size();
    TokenizerModel model;
    boolean addBos;
    if (bpe) {
      String pre = file.string("tokenizer.ggml.pre", "");
      if (pre.isEmpty()) {
        throw new ModelFormatException(
            "GGUF: tokenizer.ggml.pre is missing; a gpt2 vocabulary needs its pre-tokenizer");
      }
      PreTokenizer p = PreTokenizer.fromGguf(pre);
      if (file.array("tokenizer.ggml.merges") == null) {
        throw new ModelFormatException("GGUF: tokenizer.ggml.merges is missing");
      }
      model = new TokenizerModel.ByteLevelBpe(strings(file, "tokenizer.ggml.merges"), p);
      addBos = p == PreTokenizer.LLAMA3;
    } else {
      model = new TokenizerModel.SentencePiece(file.flag("tokenizer.ggml.add_space_prefix", true));
      addBos = true;
    }
    float[] scores = scores(file, n);
    int defaultSpecial = bpe ? 11 : -1;
    int bos = (int) file.integer("tokenizer.ggml.bos_token_id", bpe ? defaultSpecial : 1, 0, n - 1);
    int eos = (int) file.integer("tokenizer.ggml.eos_token_id", bpe ? defaultSpecial : 2, 0, n - 1);
    int[] types = types(file, tokens, bos, eos);
    Set<Integer> stops = new LinkedHashSet<>();
    stops.add(eos);
    for (String key : List.of("tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id")) {
      // An id outside the vocabulary (some files write -1 as "none") names no token.
      long id = file.integer(key, -1, -1, Long.MAX_VALUE);
      if (id >= 0 && id < n) {
        stops.add((int) id);
      }
    }
    for (int i = 0; i < n; i++) {
      if (END_OF_GENERATION.contains(tokens.get(i))) {
        stops.add(i);
      }
    }
    int[] stopIds = new int[stops.size()];
    int s = 0;
    for (int id : stops) {
      stopIds[s++] = id;
    }
    return new Vocabulary(
            tokens,
            scores,
            types,
            bos,
            eos,
            stopIds,
            model,
            file.flag("tokenizer.ggml.add_bos_token", addBos),
            file.flag("tokenizer.ggml.add_eos_token", false))
        .withChatTemplate(file.string("tokenizer.chat_template", null));
  }

  private static List<String> strings(GgufFile file, String key) {
    List<?> raw = file.array(key);
    List<String> out = new ArrayList<>(raw == null ? 0 : raw.size());
    if (raw != null) {
      for (Object o : raw) {
        if (!(o instanceof String s)) {
          throw new ModelFormatException("GGUF: " + key + " must hold strings");
        }
        out.add(s);
      }
    }
    return out;
  }

  private static float[] scores(GgufFile file, int n) {
    float[] scores = new float[n];
    List<?> raw = file.array("tokenizer.ggml.scores");
    if (raw != null) {
      sameLength("tokenizer.ggml.scores", raw, n);
      for (int i = 0; i < n; i++) {
        if (!(raw.get(i) instanceof Double d)) {
          throw new ModelFormatException("GGUF: tokenizer.ggml.scores must hold floats");
        }
        scores[i] = d.floatValue();
      }
    }
    return scores;
  }

  private static int[] types(GgufFile file, List<String> tokens, int bos, int eos) {
    List<?> raw = file.array("tokenizer.ggml.token_type");
    if (raw == null) {
      return Vocabulary.guessTypes(tokens, bos, eos);
    }
    sameLength("tokenizer.ggml.token_type", raw, tokens.size());
    int[] types = new int[tokens.size()];
    for (int i = 0; i < types.length; i++) {
      if (!(raw.get(i) instanceof Long v)) {
        throw new ModelFormatException("GGUF: tokenizer.ggml.token_type must hold integers");
      }
      types[i] = v.intValue();
    }
    return types;
  }

  private static void sameLength(String key, List<?> list, int n) {
    if (list.size() != n) {
      throw new ModelFormatException(
          "GGUF: " + key + " has " + list.size() + " entries for " + n + " tokens");
    }
  }
}
