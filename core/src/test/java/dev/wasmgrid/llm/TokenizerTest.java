package dev.wasmgrid.llm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TokenizerTest {
  private final Vocabulary vocab = TinyModels.vocabulary(0);
  private final Tokenizer tokenizer = new Tokenizer(vocab);

  private int id(String token) {
    return vocab.tokens().indexOf(token);
  }

  @Test
  void mergesWholeWordsWithTheDummyPrefix() {
    // " the" is in the vocabulary (with every prefix), so the dummy space and t, h, e merge.
    assertThat(tokenizer.encode("the", true)).containsExactly(1, id(" the"));
    assertThat(tokenizer.encode("once upon", false)).containsExactly(id(" once"), id(" upon"));
    assertThat(tokenizer.encode("", true)).containsExactly(1);
  }

  @Test
  void unknownCharactersFallBackToUtf8Bytes() {
    // é is C3 A9 in UTF-8; byte tokens are <0x00>.. at ids 3..258.
    int[] ids = tokenizer.encode("é", false);
    assertThat(ids).containsExactly(id(" "), 3 + 0xC3, 3 + 0xA9);
    assertThat(vocab.token(3 + 0xC3)).isEqualTo("<0xC3>");
  }

  @Test
  void decodingRestoresTheTextIncludingSplitCharacters() {
    String text = "Once upon a time, a little girl named Lily saw a bird. Ünïcödé ✓ 😀!";
    int[] ids = tokenizer.encode(text, true);
    Utf8Stream stream = new Utf8Stream();
    StringBuilder out = new StringBuilder();
    for (int i = 1; i < ids.length; i++) {
      out.append(stream.push(tokenizer.decode(ids[i - 1], ids[i])));
    }
    out.append(stream.flush());
    // The leading dummy space is dropped after the beginning of a sequence.
    assertThat(out.toString()).isEqualTo(text);
  }

  @Test
  void utf8StreamHoldsBackIncompleteCharacters() {
    byte[] smile = "😀".getBytes(StandardCharsets.UTF_8);
    Utf8Stream s = new Utf8Stream();
    ByteArrayOutputStream seen = new ByteArrayOutputStream();
    for (int i = 0; i < 3; i++) {
      assertThat(s.push(new byte[] {smile[i]})).isEmpty();
      seen.write(smile[i]);
    }
    assertThat(s.push(new byte[] {smile[3]})).isEqualTo("😀");
    assertThat(s.push(new byte[] {(byte) 0xE2})).isEmpty();
    assertThat(s.flush()).isEqualTo("\uFFFD");
  }

  @Test
  void controlTokensDecodeToNothing() {
    assertThat(tokenizer.decode(0, 1)).isEmpty();
    assertThat(tokenizer.decode(0, 2)).isEmpty();
  }
}
