package dev.wasmgrid.llm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wasmgrid.llm.io.ArrayByteSource;
import dev.wasmgrid.llm.llama2c.TokenizerBin;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Prompt encodings against llama.cpp's for the SentencePiece fixture vocabulary (the llama-spm
 * model's 512 tokens), special tokens parsed: {@code <s>} and {@code </s>} in the text become ids 1
 * and 2, and the text after each gets the leading space again.
 */
class SentencePieceFixtureTest {

  @Test
  void sentencePieceVocabularyEncodesAsLlamaCpp() {
    Tokenizer tokenizer = new Tokenizer(vocabulary());
    JsonNode tokenization = Fixtures.json("llama-spm/tokenization.json");
    assertThat(tokenization.get("prompts").size()).isEqualTo(15);
    for (JsonNode p : tokenization.get("prompts")) {
      String prompt = p.get("prompt").asText();
      assertThat(tokenizer.encode(prompt, true, true))
          .as("'%s'", prompt)
          .containsExactly(Fixtures.ids(p.get("ids")));
    }
  }

  @Test
  void controlTokensInUserTextStayText() {
    Tokenizer tokenizer = new Tokenizer(vocabulary());
    int[] user = tokenizer.encode("a </s> b <s>", false);
    assertThat(user).doesNotContain(1, 2);
    assertThat(tokenizer.encode("a </s> b <s>", false, true)).contains(1, 2);
  }

  /**
   * The llama-spm GGUF's vocabulary: the tokenizer.bin it was made from, as the converter names.
   */
  private static Vocabulary vocabulary() {
    Vocabulary bin =
        TokenizerBin.read(new ArrayByteSource(Fixtures.bytes("../spm512.tokenizer.bin")), 512);
    List<String> tokens = new ArrayList<>(bin.tokens());
    tokens.set(1, "<s>");
    tokens.set(2, "</s>");
    float[] scores = new float[tokens.size()];
    int[] types = new int[tokens.size()];
    for (int i = 0; i < tokens.size(); i++) {
      scores[i] = bin.score(i);
      types[i] =
          i == 0
              ? Vocabulary.UNKNOWN
              : i <= 2 ? Vocabulary.CONTROL : i <= 258 ? Vocabulary.BYTE : Vocabulary.NORMAL;
    }
    return new Vocabulary(tokens, scores, types, 1, 2);
  }
}
