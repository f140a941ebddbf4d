package dev.wasmgrid.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wasmgrid.llm.llama2c.Llama2cModels;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class Llama2cReaderTest {
  private final FloatWeights w = TestModels.weights();
  private final byte[] tokenizer = TestModels.tokenizerBin(TestModels.vocabulary());

  @Test
  void readsBothVersionsItWrote() {
    for (boolean q8 : new boolean[] {false, true}) {
      Model m =
          Llama2cModels.load(
              TestModels.source(TestModels.llama2c(w, q8)), TestModels.source(tokenizer));
      assertThat(m.config()).isEqualTo(w.config());
      assertThat(m.vocabulary().bos()).isEqualTo(1);
      assertThat(m.vocabulary().type(3)).isEqualTo(Vocabulary.BYTE);
    }
  }

  @Test
  void truncatedCheckpointsAndTokenizersFailCleanly() {
    for (boolean q8 : new boolean[] {false, true}) {
      byte[] full = TestModels.llama2c(w, q8);
      for (int len : new int[] {0, 10, 27, 300, full.length / 2, full.length - 1}) {
        byte[] cut = Arrays.copyOf(full, len);
        assertThatThrownBy(
                () -> Llama2cModels.load(TestModels.source(cut), TestModels.source(tokenizer)))
            .as("q8 %s length %d", q8, len)
            .isInstanceOf(ModelFormatException.class)
            .hasMessageContaining("truncated");
      }
    }
    byte[] cutTok = Arrays.copyOf(tokenizer, tokenizer.length - 3);
    assertThatThrownBy(
            () ->
                Llama2cModels.load(
                    TestModels.source(TestModels.llama2c(w, false)), TestModels.source(cutTok)))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("tokenizer.bin");
  }

  @Test
  void impossibleHeadersAreRejected() {
    byte[] b = TestModels.llama2c(w, false);
    // 3 heads do not divide dim 64.
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(12, 3);
    assertThatThrownBy(() -> Llama2cModels.load(TestModels.source(b), TestModels.source(tokenizer)))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("heads");
    byte[] v = TestModels.llama2c(w, true);
    ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 7);
    assertThatThrownBy(() -> Llama2cModels.load(TestModels.source(v), TestModels.source(tokenizer)))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("version 7");
  }
}
