package dev.wasmgrid.llm;

import dev.wasmgrid.llm.gguf.GgufWriter;
import dev.wasmgrid.llm.io.ArrayByteSource;
import dev.wasmgrid.llm.llama2c.Llama2cWriter;
import dev.wasmgrid.llm.llama2c.TokenizerBin;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** The tiny test model's weights and its files in each format, as bytes. */
final class TestModels {
  static final long SEED = 20261121L;

  private TestModels() {}

  static FloatWeights weights() {
    return TinyModels.randomWeights(TinyModels.tinyConfig(), SEED, false);
  }

  static Vocabulary vocabulary() {
    return TinyModels.vocabulary(TinyModels.tinyConfig().vocabSize());
  }

  static byte[] gguf(FloatWeights w, TensorType dtype) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      GgufWriter.write(w, TinyModels.vocabulary(w.config().vocabSize()), dtype, out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static byte[] llama2c(FloatWeights w, boolean q8) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (q8) {
        Llama2cWriter.writeQ8(w, out);
      } else {
        Llama2cWriter.writeLegacy(w, out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static byte[] tokenizerBin(Vocabulary v) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      TokenizerBin.write(v, out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Token ids generated for {@code prompt}. */
  static List<Integer> tokens(LanguageModel m, String prompt, GenerationConfig cfg) {
    List<Integer> ids = new ArrayList<>();
    m.stream(prompt, cfg, p -> ids.add(p.id()));
    return ids;
  }

  static ArrayByteSource source(byte[] b) {
    return new ArrayByteSource(b);
  }
}
