package dev.wasmgrid.llm.gguf;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wasmgrid.llm.Fixtures;
import dev.wasmgrid.llm.Tokenizer;
import dev.wasmgrid.llm.Vocabulary;
import org.junit.jupiter.api.Test;

/**
 * Prompt encodings against llama.cpp's ({@code llama-tokenize}, special tokens parsed, BOS as the
 * model asks) for the byte-level BPE fixtures.
 */
class GgufTokenizerFixturesTest {

  @Test
  void qwen2VocabularyEncodesAsLlamaCpp() {
    agree(Fixtures.QWEN2);
  }

  @Test
  void llama3VocabularyEncodesAsLlamaCpp() {
    agree(Fixtures.LLAMA3);
  }

  private static void agree(String model) {
    Vocabulary vocab = GgufVocabularies.read(Fixtures.gguf(model));
    Tokenizer tokenizer = new Tokenizer(vocab);
    JsonNode tokenization = Fixtures.expected(model).get("tokenization");
    assertThat(tokenization.get("parse_special").asBoolean()).isTrue();
    assertThat(vocab.addBos()).isEqualTo(tokenization.get("add_bos").asBoolean());
    assertThat(tokenization.get("prompts").size()).isEqualTo(16);
    for (JsonNode p : tokenization.get("prompts")) {
      String prompt = p.get("prompt").asText();
      assertThat(tokenizer.encode(prompt, true, true))
          .as("'%s'", prompt)
          .containsExactly(Fixtures.ids(p.get("ids")));
      assertThat(tokenizer.minimumLength(prompt, true))
          .isLessThanOrEqualTo(tokenizer.encode(prompt, true).length);
    }
  }
}
