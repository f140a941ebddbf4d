package dev.wasmgrid.llm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Byte-level BPE on a hand-made vocabulary: merge order, whole words, decoding. */
class ByteLevelBpeTest {

  /**
   * GPT-2's 256 byte characters (id = byte value), then {@code extra} tokens from id 256, then an
   * end-of-text control token.
   */
  private static Tokenizer tokenizer(PreTokenizer pre, List<String> merges, String... extra) {
    List<String> tokens = new ArrayList<>();
    int added = 0;
    for (int b = 0; b < 256; b++) {
      boolean printable =
          (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      tokens.add(String.valueOf(printable ? (char) b : (char) (256 + added++)));
    }
    tokens.addAll(List.of(extra));
    tokens.add("<|endoftext|>");
    int[] types = new int[tokens.size()];
    java.util.Arrays.fill(types, Vocabulary.NORMAL);
    int end = tokens.size() - 1;
    types[end] = Vocabulary.CONTROL;
    return new Tokenizer(
        new Vocabulary(
            tokens,
            new float[tokens.size()],
            types,
            end,
            end,
            new int[] {end},
            new TokenizerModel.ByteLevelBpe(merges, pre),
            false,
            false));
  }

  @Test
  void theBestRankedPairMergesFirst() {
    // "abc": a+b (rank 1) and b+c (rank 0) compete; b+c wins, then a+bc (rank 2).
    Tokenizer t = tokenizer(PreTokenizer.GPT2, List.of("b c", "a b", "a bc"), "bc", "ab", "abc");
    assertThat(t.encode("abc", true)).containsExactly(258);
    // Without "a bc", the word stays a + bc, never ab + c.
    Tokenizer partial = tokenizer(PreTokenizer.GPT2, List.of("b c", "a b"), "bc", "ab");
    assertThat(partial.encode("abc", true)).containsExactly((int) 'a', 256);
  }

  @Test
  void llama3TakesAWordInTheVocabularyWhole() {
    // "ab" is a token that no merge makes: Llama 3's tokenizer takes it whole, Qwen2's does not.
    assertThat(tokenizer(PreTokenizer.LLAMA3, List.of(), "ab").encode("ab", true))
        .containsExactly(256);
    assertThat(tokenizer(PreTokenizer.QWEN2, List.of(), "ab").encode("ab", true))
        .containsExactly((int) 'a', (int) 'b');
  }

  @Test
  void everyByteRoundTrips() {
    Tokenizer t = tokenizer(PreTokenizer.GPT2, List.of("Ġ t", "h e"), "Ġt", "he");
    String text = "the test Über\r\n\t\u0000 ~ 日本 🙂 <|endoftext|>";
    int[] ids = t.encode(text, true);
    assertThat(ids).contains(256).doesNotContain(t.vocabulary().size() - 1);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int id : ids) {
      out.writeBytes(t.decode(-1, id));
    }
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(text);
    // A control token decodes to nothing.
    assertThat(t.decode(-1, t.vocabulary().size() - 1)).isEmpty();
  }
}
