package dev.wasmgrid.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wasmgrid.llm.gguf.GgufFile;
import dev.wasmgrid.llm.gguf.GgufModels;
import dev.wasmgrid.llm.gguf.GgufReader;
import dev.wasmgrid.llm.gguf.GgufTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Bad GGUF input gives a {@link ModelFormatException} that says what is wrong. */
class GgufReaderTest {
  private final byte[] valid = TestModels.gguf(TestModels.weights(), TensorType.Q8_0);

  @Test
  void readsWhatTheWriterWrote() {
    GgufFile f = GgufReader.read(TestModels.source(valid));
    assertThat(f.version()).isEqualTo(3);
    assertThat(f.string("general.architecture", "")).isEqualTo("llama");
    GgufTensor q = f.tensors().get("blk.1.attn_k.weight");
    LlamaConfig c = TinyModels.tinyConfig();
    assertThat(q.dims()).containsExactly((long) c.dim(), (long) c.kvDim());
    assertThat(q.type()).isEqualTo(TensorType.Q8_0);
    assertThat(f.tensors().get("output_norm.weight").type()).isEqualTo(TensorType.F32);
    assertThat(GgufModels.load(f).config()).isEqualTo(c);
  }

  @Test
  void wrongMagicOrVersion() {
    byte[] b = valid.clone();
    b[0] = 'X';
    assertThatThrownBy(() -> GgufReader.read(TestModels.source(b)))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("not a GGUF file");
    byte[] v = valid.clone();
    v[4] = 1;
    assertThatThrownBy(() -> GgufReader.read(TestModels.source(v)))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("version 1 not supported");
  }

  @Test
  void everyTruncationFailsCleanly() {
    for (int len : new int[] {0, 3, 8, 23, 100, 1000, 5000, valid.length / 2, valid.length - 1}) {
      byte[] cut = Arrays.copyOf(valid, len);
      assertThatThrownBy(() -> GgufModels.load(TestModels.source(cut)))
          .as("length %d", len)
          .isInstanceOf(ModelFormatException.class)
          .hasMessageMatching("(?s).*(truncated|past the end|only \\d+ bytes|outside).*");
    }
  }

  @Test
  void hugeDeclaredCountsDoNotAllocate() {
    byte[] b = valid.clone();
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(8, Long.MAX_VALUE / 2);
    assertThatThrownBy(() -> GgufReader.read(TestModels.source(b)))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("tensor_count declares");
  }

  @Test
  void unsupportedTensorTypeIsNamed() {
    byte[] b = valid.clone();
    int at = typeFieldOf(b, "blk.0.attn_q.weight");
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(at, 21);
    assertThatThrownBy(() -> GgufReader.read(TestModels.source(b)))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("tensor blk.0.attn_q.weight")
        .hasMessageContaining("unsupported tensor type IQ3_S (21)");
  }

  @Test
  void typeIdsOutsideGgmlAreNamedAsSuch() {
    for (int id : new int[] {40, 1000, -1}) {
      byte[] b = valid.clone();
      ByteBuffer.wrap(b)
          .order(ByteOrder.LITTLE_ENDIAN)
          .putInt(typeFieldOf(b, "blk.1.ffn_up.weight"), id);
      assertThatThrownBy(() -> GgufReader.read(TestModels.source(b)))
          .isInstanceOf(ModelFormatException.class)
          .hasMessageContaining("tensor blk.1.ffn_up.weight")
          .hasMessageContaining("unknown tensor type id " + id + " (GGML types are 0 to 39)");
    }
  }

  @Test
  void truncatedBlocksOfAPackedTypeAreRefused() {
    byte[] file = LlamaCppFixtures.model("Q4_K_M");
    // llama-quantize writes blk.1.ffn_up.weight (Q4_K) last: cutting the file cuts its blocks.
    byte[] cut = Arrays.copyOf(file, file.length - 100);
    assertThatThrownBy(() -> GgufModels.load(TestModels.source(cut)))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("tensor blk.1.ffn_up.weight (110592 bytes at data offset")
        .hasMessageContaining("runs past the end of the file");
  }

  @Test
  void rowsThatAreNotWholeBlocksAreRefused() {
    byte[] b = LlamaCppFixtures.model("Q4_K_M");
    // attn_q is [256, 256] in Q4_K: as [128, 512] it has as many weights, in half-block rows.
    int dims = typeFieldOf(b, "blk.0.attn_q.weight") - 16;
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(dims, 128).putLong(dims + 8, 512);
    assertThatThrownBy(() -> GgufReader.read(TestModels.source(b)))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(
            "tensor blk.0.attn_q.weight has rows of 128 elements, not a multiple of 256 as Q4_K"
                + " needs");
  }

  @Test
  void otherArchitecturesAreRefused() {
    byte[] b = valid.clone();
    int at = indexOf(b, "llama".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0);
    b[at] = 'g';
    assertThatThrownBy(() -> GgufModels.load(TestModels.source(b)))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("general.architecture is 'glama'");
  }

  /** Offset of the type field of the named tensor's entry (name, n_dims, dims, then type). */
  static int typeFieldOf(byte[] b, String name) {
    // The name with its 64-bit length before it, so that "output.weight" is not found inside
    // "blk.0.attn_output.weight".
    byte[] entry = new byte[8 + name.length()];
    ByteBuffer.wrap(entry).order(ByteOrder.LITTLE_ENDIAN).putLong(name.length());
    System.arraycopy(
        name.getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, entry, 8, name.length());
    int at = indexOf(b, entry, 0) + 8;
    ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    int nDims = buf.getInt(at + name.length());
    return at + name.length() + 4 + 8 * nDims;
  }

  static int indexOf(byte[] b, byte[] needle, int from) {
    outer:
    for (int i = from; i + needle.length <= b.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (b[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("not found");
  }
}
