package dev.wasmgrid.llm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.llm.gguf.GgufModels;
import dev.wasmgrid.llm.jvm.ModelFiles;
import dev.wasmgrid.llm.jvm.VectorCompute;
import dev.wasmgrid.llm.llama2c.Llama2cModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same weights written as GGUF and as llama2.c, in memory and through files: the loaded models
 * compute identical logits (same weights, same code, so bit for bit) and the same tokens.
 */
class FormatEquivalenceTest {

  @Test
  void ggufAndLlama2cF32GiveIdenticalLogitsAndTokens() {
    FloatWeights w = TestModels.weights();
    Model gguf = GgufModels.load(TestModels.source(TestModels.gguf(w, TensorType.F32)));
    Model bin =
        Llama2cModels.load(
            TestModels.source(TestModels.llama2c(w, false)),
            TestModels.source(TestModels.tokenizerBin(TestModels.vocabulary())));
    assertThat(gguf.config()).isEqualTo(bin.config());
    assertThat(gguf.vocabulary().tokens()).isEqualTo(bin.vocabulary().tokens());
    assertSameLogits(gguf, bin);
    assertSameTokens(gguf, bin, GenerationConfig.greedy(40));
    assertSameTokens(gguf, bin, GenerationConfig.defaults().withMaxTokens(40).withSeed(11));
  }

  @Test
  void ggufAndLlama2cQ8GiveIdenticalLogits() {
    FloatWeights w = TestModels.weights();
    Model gguf = GgufModels.load(TestModels.source(TestModels.gguf(w, TensorType.Q8_0)));
    Model bin =
        Llama2cModels.load(
            TestModels.source(TestModels.llama2c(w, true)),
            TestModels.source(TestModels.tokenizerBin(TestModels.vocabulary())));
    assertThat(bin.dtype()).isEqualTo(TensorType.Q8_0);
    assertSameLogits(gguf, bin);
    assertSameTokens(gguf, bin, GenerationConfig.greedy(40));
  }

  @Test
  void everyDtypeReadsBackAsEncodedInMemory() {
    FloatWeights w = TestModels.weights();
    for (TensorType dtype : TensorType.values()) {
      if (!dtype.writable()) {
        continue;
      }
      Model file = GgufModels.load(TestModels.source(TestModels.gguf(w, dtype)));
      Model memory =
          new Model(w.config(), w.encode(dtype), TestModels.vocabulary(), "memory", dtype);
      assertThat(file.dtype()).isEqualTo(dtype);
      assertSameLogits(file, memory);
    }
  }

  /**
   * A mapped file holds Q4_0 widened to a byte per weight as an array does (the WebGPU path's
   * form), or packed as views of the mapping when the heap budget is too small or the native
   * kernels take it: the same weights bit for bit, the same greedy tokens, and on the JVM's fast
   * path the same logits.
   */
  @Test
  void mappedFilesLoadLikeArrays(@TempDir Path dir) throws IOException {
    FloatWeights w = TestModels.weights();
    Path gguf = dir.resolve("m.gguf");
    Files.write(gguf, TestModels.gguf(w, TensorType.Q4_0));
    Path bin = dir.resolve("m.bin");
    Files.write(bin, TestModels.llama2c(w, false));
    Files.write(dir.resolve("tokenizer.bin"), TestModels.tokenizerBin(TestModels.vocabulary()));
    Model mapped = ModelFiles.load(gguf, null);
    Model packed = ModelFiles.loadGguf(gguf, 0);
    Model array = GgufModels.load(TestModels.source(TestModels.gguf(w, TensorType.Q4_0)));
    assertThat(mapped.weights().wq().getFirst())
        .isInstanceOf(
            VectorCompute.nativeTypes().contains(TensorType.Q4_0)
                ? PackedMatrix.class
                : Q8Matrix.class);
    assertThat(packed.weights().wq().getFirst()).isInstanceOf(PackedMatrix.class);
    assertThat(array.weights().wq().getFirst()).isInstanceOf(Q8Matrix.class);
    assertSameWeights(packed.weights(), array.weights());
    assertSameWeights(mapped.weights(), array.weights());
    try (VectorCompute one = new VectorCompute(1)) {
      Transformer tp = new Transformer(packed.config(), packed.weights(), one);
      Transformer tm = new Transformer(mapped.config(), mapped.weights(), one);
      for (int pos = 0; pos < 5; pos++) {
        float[] expected = tm.forward(260 + pos, pos).clone();
        assertThat(tp.forward(260 + pos, pos)).as("pos %d", pos).containsExactly(expected);
      }
    }
    assertSameTokens(packed, array, GenerationConfig.greedy(40));
    Model fromBin = ModelFiles.load(bin, null);
    assertThat(fromBin.format()).isEqualTo("llama2c");
    assertSameLogits(
        fromBin, GgufModels.load(TestModels.source(TestModels.gguf(w, TensorType.F32))));
  }

  private static void assertSameWeights(LlamaWeights a, LlamaWeights b) {
    assertSameRows(a.tokenEmbedding(), b.tokenEmbedding());
    assertSameRows(a.classifier(), b.classifier());
    for (int l = 0; l < a.wq().size(); l++) {
      assertSameRows(a.wq().get(l), b.wq().get(l));
      assertSameRows(a.wk().get(l), b.wk().get(l));
      assertSameRows(a.wv().get(l), b.wv().get(l));
      assertSameRows(a.wo().get(l), b.wo().get(l));
      assertSameRows(a.w1().get(l), b.w1().get(l));
      assertSameRows(a.w2().get(l), b.w2().get(l));
      assertSameRows(a.w3().get(l), b.w3().get(l));
    }
  }

  private static void assertSameRows(WeightMatrix a, WeightMatrix b) {
    float[] ra = new float[a.cols()];
    float[] rb = new float[b.cols()];
    for (int r = 0; r < a.rows(); r++) {
      a.row(r, ra);
      b.row(r, rb);
      assertThat(ra).as("row %d", r).containsExactly(rb);
    }
  }

  private static void assertSameLogits(Model a, Model b) {
    Transformer ta = new Transformer(a.config(), a.weights(), new ScalarCompute());
    Transformer tb = new Transformer(b.config(), b.weights(), new ScalarCompute());
    int[] tokens = {1, 260, 77, 300, 5};
    for (int pos = 0; pos < tokens.length; pos++) {
      float[] la = ta.forward(tokens[pos], pos).clone();
      assertThat(tb.forward(tokens[pos], pos)).as("pos %d", pos).containsExactly(la);
    }
  }

  private static void assertSameTokens(Model a, Model b, GenerationConfig cfg) {
    String prompt = "Once upon a time";
    try (LanguageModel ma = new LanguageModel(a, new ScalarCompute());
        LanguageModel mb = new LanguageModel(b, new ScalarCompute())) {
      List<Integer> ia = TestModels.tokens(ma, prompt, cfg.withIgnoreEos(true));
      assertThat(ia).hasSize(cfg.maxTokens());
      assertThat(TestModels.tokens(mb, prompt, cfg.withIgnoreEos(true))).isEqualTo(ia);
    }
  }
}
