package dev.wasmgrid.llm.gguf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.llm.Compute;
import dev.wasmgrid.llm.Generation;
import dev.wasmgrid.llm.GenerationConfig;
import dev.wasmgrid.llm.LanguageModel;
import dev.wasmgrid.llm.LlamaConfig;
import dev.wasmgrid.llm.LlamaWeights;
import dev.wasmgrid.llm.Model;
import dev.wasmgrid.llm.PackedMatrix;
import dev.wasmgrid.llm.ScalarCompute;
import dev.wasmgrid.llm.TensorType;
import dev.wasmgrid.llm.TokenPiece;
import dev.wasmgrid.llm.WeightMatrix;
import dev.wasmgrid.llm.io.ArrayByteSource;
import dev.wasmgrid.llm.jvm.ModelFiles;
import dev.wasmgrid.llm.jvm.VectorCompute;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Models shaped like the five downloads, cut to two layers and a small vocabulary: the files carry
 * the real files' keys, tokenizer kind and type mix, load through the mapped loader with every
 * quantized matrix a view of the mapping, and generate the same tokens on both compute paths.
 */
class ShapedModelsTest {

  @TempDir Path dir;

  static Path write(ModelShape shape, QuantMix mix, Path dir) throws IOException {
    Path file = dir.resolve(shape.name() + "-" + mix.wireName() + ".gguf");
    try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(file))) {
      ShapedModels.write(shape, mix, 7, o);
    }
    return file;
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"llama3.2-1b", "qwen2.5-0.5b", "qwen3-0.6b", "smollm2-135m", "tinyllama-1.1b"})
  void aTwoLayerModelOfEachShapeLoadsAndGeneratesTheSameTokensOnBothPaths(String name)
      throws IOException {
    ModelShape shape = ModelShape.parse(name).reduced(2, 1024, 64);
    Path file = write(shape, shape.usualMix(), dir);
    GgufFile gguf = GgufReader.read(new ArrayByteSource(Files.readAllBytes(file)));
    LlamaConfig c = shape.config();
    String a = c.architecture().ggufName();
    assertThat(gguf.string("general.architecture", "")).isEqualTo(a);
    assertThat(gguf.integer("general.file_type", -1, 0, 99)).isEqualTo(shape.usualMix().fileType());
    assertThat(gguf.integer(a + ".embedding_length", -1, 0, 1 << 20)).isEqualTo(c.dim());
    assertThat(gguf.integer(a + ".attention.head_count_kv", -1, 0, 1 << 20)).isEqualTo(c.kvHeads());
    assertThat(gguf.number(a + ".rope.freq_base", -1)).isEqualTo(c.ropeTheta());
    assertThat(gguf.string("tokenizer.ggml.model", ""))
        .isEqualTo(shape.pre() == null ? "llama" : "gpt2");
    if (shape.pre() != null) {
      assertThat(gguf.string("tokenizer.ggml.pre", "")).isEqualTo(shape.pre().ggufName());
      assertThat(gguf.array("tokenizer.ggml.merges")).isNotEmpty();
    }
    assertThat(gguf.tensors().containsKey("output.weight")).isEqualTo(!shape.tiedEmbeddings());
    for (GgufTensor t : gguf.tensors().values()) {
      if (t.dims().size() == 2) {
        int layer =
            t.name().startsWith("blk.")
                ? Integer.parseInt(t.name().substring(4, t.name().indexOf('.', 4)))
                : -1;
        assertThat(t.type())
            .as(t.name())
            .isEqualTo(
                shape
                    .usualMix()
                    .typeOf(
                        t.name(), layer, 2, t.dims().get(0).intValue(), !shape.tiedEmbeddings()));
      } else {
        assertThat(t.type()).as(t.name()).isEqualTo(TensorType.F32);
      }
    }

    Model model = ModelFiles.loadGguf(file, 0);
    assertThat(model.config()).isEqualTo(c);
    assertHeldAsViewsOfTheMapping(model);
    List<Integer> scalar = greedy(model, new ScalarCompute());
    try (VectorCompute v = new VectorCompute(2)) {
      assertThat(greedy(model, v))
          .isEqualTo(greedy(model, v))
          .isEqualTo(greedy(ModelFiles.load(file, null), v))
          .isEqualTo(scalar);
    }
  }

  /** The mixes as llama-quantize makes them for the real layer counts and widths. */
  @Test
  void q4KmGivesSixBitsToTheLayersLlamaCppPicks() {
    QuantMix m = QuantMix.Q4_K_M;
    // Llama 3.2 1B: 16 layers; its embedding is its classifier.
    assertThat(
            IntStream.range(0, 16)
                .filter(
                    l ->
                        m.typeOf("blk." + l + ".ffn_down.weight", l, 16, 8192, false)
                            == TensorType.Q6_K)
                .boxed()
                .toList())
        .containsExactly(0, 1, 4, 7, 10, 13, 14, 15);
    assertThat(m.typeOf("token_embd.weight", -1, 16, 2048, false)).isEqualTo(TensorType.Q6_K);
    assertThat(m.typeOf("blk.2.attn_q.weight", 2, 16, 2048, false)).isEqualTo(TensorType.Q4_K);
    // TinyLlama: its own classifier, so the embedding stays Q4_K.
    assertThat(m.typeOf("token_embd.weight", -1, 22, 2048, true)).isEqualTo(TensorType.Q4_K);
    assertThat(m.typeOf("output.weight", -1, 22, 2048, true)).isEqualTo(TensorType.Q6_K);
    // Qwen2.5 0.5B: rows of 896 are no multiple of 256, so llama.cpp falls back.
    Map<String, TensorType> qwen = new TreeMap<>();
    qwen.put("token_embd.weight", m.typeOf("token_embd.weight", -1, 24, 896, false));
    qwen.put("attn_q", m.typeOf("blk.5.attn_q.weight", 5, 24, 896, false));
    qwen.put("attn_v.0", m.typeOf("blk.0.attn_v.weight", 0, 24, 896, false));
    qwen.put("ffn_down.0", m.typeOf("blk.0.ffn_down.weight", 0, 24, 4864, false));
    qwen.put("ffn_down.4", m.typeOf("blk.4.ffn_down.weight", 4, 24, 4864, false));
    assertThat(qwen)
        .containsEntry("token_embd.weight", TensorType.Q8_0)
        .containsEntry("attn_q", TensorType.Q5_0)
        .containsEntry("attn_v.0", TensorType.Q8_0)
        .containsEntry("ffn_down.0", TensorType.Q6_K)
        .containsEntry("ffn_down.4", TensorType.Q4_K);
    assertThat(QuantMix.Q8_0.typeOf("token_embd.weight", -1, 28, 1024, false))
        .isEqualTo(TensorType.Q8_0);
  }

  /**
   * Q4_0 as llama-quantize makes it: the classifier Q6_K where its rows are a multiple of 256, else
   * Q8_0; F32 and F16 leave every matrix in their type.
   */
  @Test
  void q4ZeroGivesTheClassifierMoreBitsAndTheFloatMixesKeepTheirType() {
    QuantMix m = QuantMix.Q4_0;
    assertThat(m.typeOf("token_embd.weight", -1, 12, 768, false)).isEqualTo(TensorType.Q6_K);
    assertThat(m.typeOf("token_embd.weight", -1, 6, 288, false)).isEqualTo(TensorType.Q8_0);
    assertThat(m.typeOf("blk.0.ffn_down.weight", 0, 12, 2048, false)).isEqualTo(TensorType.Q4_0);
    assertThat(m.typeOf("blk.0.attn_v.weight", 0, 12, 768, false)).isEqualTo(TensorType.Q4_0);
    for (QuantMix f : List.of(QuantMix.F32, QuantMix.F16)) {
      TensorType base = f == QuantMix.F32 ? TensorType.F32 : TensorType.F16;
      assertThat(f.typeOf("token_embd.weight", -1, 6, 288, false)).isEqualTo(base);
      assertThat(f.typeOf("blk.1.attn_q.weight", 1, 6, 288, false)).isEqualTo(base);
    }
    assertThat(QuantMix.parse("Q4_0")).isEqualTo(QuantMix.Q4_0);
  }

  /**
   * Every matrix of these types (K-quants, Q5_0, Q8_0) stays a view of the mapped file when Q8_0
   * may not be widened onto the heap: the loaded model holds no copy of the weights.
   */
  private static void assertHeldAsViewsOfTheMapping(Model model) {
    LlamaWeights w = model.weights();
    List<WeightMatrix> all = new ArrayList<>();
    all.add(w.tokenEmbedding());
    all.add(w.classifier());
    for (List<WeightMatrix> layer :
        List.of(w.wq(), w.wk(), w.wv(), w.wo(), w.w1(), w.w2(), w.w3())) {
      all.addAll(layer);
    }
    for (WeightMatrix m : all) {
      assertThat(m).isInstanceOf(PackedMatrix.class);
      assertThat(((PackedMatrix) m).source().mapped()).isTrue();
    }
  }

  private static List<Integer> greedy(Model model, Compute compute) {
    List<Integer> ids = new ArrayList<>();
    LanguageModel lm = new LanguageModel(model, compute);
    try (Generation g = lm.start("hello world", GenerationConfig.greedy(4).withIgnoreEos(true))) {
      for (TokenPiece p = g.next(); p != null; p = g.next()) {
        ids.add(p.id());
      }
    }
    assertThat(ids).hasSize(4);
    return ids;
  }
}
