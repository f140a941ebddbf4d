package dev.wasmgrid.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wasmgrid.llm.gguf.GgufFile;
import dev.wasmgrid.llm.gguf.GgufModels;
import dev.wasmgrid.llm.gguf.GgufReader;
import dev.wasmgrid.llm.gguf.GgufTensor;
import dev.wasmgrid.llm.jvm.ModelFiles;
import dev.wasmgrid.llm.jvm.VectorCompute;
import dev.wasmgrid.llm.quant.ByteWidening;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every tensor type of llama.cpp's quantized files, checked against llama.cpp itself: the weights
 * as the runtime holds them decode to exactly llama.cpp's dequantized floats, and greedy decoding
 * through the held (packed) matrices picks llama.cpp's tokens on those weights.
 */
class LlamaCppQuantsTest {
  private static final Pattern LAYER = Pattern.compile("blk\\.(\\d+)\\.(\\w+)\\.weight");

  static List<String> types() {
    return LlamaCppFixtures.SUPPORTED;
  }

  /** Each type as the browser holds it (from an array) and as the JVM does (from a mapped file). */
  static Stream<Arguments> typesAndForms() {
    return types().stream().flatMap(t -> Stream.of(Arguments.of(t, false), Arguments.of(t, true)));
  }

  @ParameterizedTest
  @MethodSource("typesAndForms")
  void everyTensorDecodesBitForBitAsLlamaCpp(String type, boolean mapped, @TempDir Path dir)
      throws IOException {
    GgufFile file = GgufReader.read(TestModels.source(LlamaCppFixtures.model(type)));
    LlamaWeights weights = load(type, mapped, dir).weights();
    JsonNode tensors = LlamaCppFixtures.dequant(type).get("tensors");
    assertThat(tensors.size()).isEqualTo(file.tensors().size());
    for (JsonNode t : tensors) {
      String name = t.get("name").asText();
      assertThat(file.tensors().get(name).type().name())
          .as(name)
          .isEqualTo(t.get("type_in_file").asText());
      assertThat(sha256(values(weights, name))).as(name).isEqualTo(t.get("sha256_f32le").asText());
    }
  }

  /**
   * Matrices stay packed as the file stores them: from a mapped file every type but F32, F16, BF16
   * and (while they fit the heap, and where the native kernels do not take them) the types {@link
   * ByteWidening} handles, from an array every type the writers do not produce but BF16; those are
   * otherwise widened to a byte per weight and a scale (and an offset for some) per group, BF16 (a
   * float's top half) to floats.
   */
  @ParameterizedTest
  @MethodSource("typesAndForms")
  void packedTypesAreHeldAtTheirOwnBitWidth(String type, boolean mapped, @TempDir Path dir)
      throws IOException {
    GgufFile file = GgufReader.read(TestModels.source(LlamaCppFixtures.model(type)));
    LlamaWeights weights = load(type, mapped, dir).weights();
    for (GgufTensor t : file.tensors().values()) {
      boolean widened =
          mapped
              ? ByteWidening.handles(t.type()) && !VectorCompute.nativeTypes().contains(t.type())
              : t.type() == TensorType.Q8_0 || t.type() == TensorType.Q4_0;
      boolean floats =
          t.type() == TensorType.F32 || t.type() == TensorType.F16 || t.type() == TensorType.BF16;
      boolean packed = mapped ? !floats && !widened : !t.type().writable() && !floats;
      if (t.dims().size() == 2 && t.type() == TensorType.BF16) {
        assertThat(matrix(weights, t.name())).as(t.name()).isInstanceOf(F32Matrix.class);
      } else if (t.dims().size() == 2 && packed) {
        WeightMatrix m = matrix(weights, t.name());
        assertThat(m).as(t.name()).isInstanceOf(PackedMatrix.class);
        assertThat(m.bytes()).as(t.name()).isEqualTo(t.bytes());
      } else if (t.dims().size() == 2 && widened) {
        assertThat(matrix(weights, t.name())).as(t.name()).isInstanceOf(Q8Matrix.class);
      }
    }
  }

  /**
   * The weight-only path picks llama.cpp's tokens exactly. So does the fast path with F32 KV caches
   * where its products use x as it is; where they quantize x to 8 bits (the native kernels, and
   * Java's Q4_K kernel, as llama.cpp's own kernels do), its logits may move by up to {@link
   * #X_ROUNDING} (0.33 at most measured over these fixtures), so its pick may differ from the
   * reference only at a near-tie: fed llama.cpp's tokens, at every step it picks llama.cpp's token
   * or one whose exact logit is within that of it. With F16 caches (the default) keys and values
   * are rounded too, so for every type the fast path picks at near-ties only.
   */
  @ParameterizedTest
  @MethodSource("typesAndForms")
  void greedyTokensMatchLlamaCppOnTheDequantizedWeights(
      String type, boolean mapped, @TempDir Path dir) throws IOException {
    Model model = load(type, mapped, dir);
    JsonNode expected = LlamaCppFixtures.expected(type);
    int[] eog = LlamaCppFixtures.ints(expected.get("eog_ids"));
    try (LanguageModel lm = new LanguageModel(model, new ScalarCompute());
        VectorCompute fast = new VectorCompute(2, TensorType.F32);
        VectorCompute half = new VectorCompute(2, TensorType.F16)) {
      for (JsonNode run : expected.get("runs")) {
        String prompt = run.get("prompt").asText();
        int[] promptIds = LlamaCppFixtures.ints(run.get("prompt_ids"));
        assertThat(lm.encodePrompt(prompt)).as("prompt ids of '%s'", prompt).isEqualTo(promptIds);
        int[] ids = LlamaCppFixtures.ints(run.get("reference").get("ids"));
        assertThat(greedy(model, new ScalarCompute(), promptIds, ids.length, eog))
            .as("weight-only tokens after '%s'", prompt)
            .isEqualTo(ids);
        if (quantizesX(model)) {
          pickedAtNearTiesOnly(model, fast, promptIds, ids);
        } else {
          assertThat(greedy(model, fast, promptIds, ids.length, eog))
              .as("%s tokens after '%s'", fast.name(), prompt)
              .isEqualTo(ids);
        }
        pickedAtNearTiesOnly(model, half, promptIds, ids);
      }
    }
  }

  /**
   * The user's path: a mapped file, {@link LanguageModel}, the fast path, stop at EOS: llama.cpp's
   * tokens where the products use x as it is (Q5_K_M in the Java kernels). The native kernels
   * quantize x (per 256 values for the K-quants, as llama.cpp's q8_K does), and a different
   * rounding of one value of x moves logits by far more than the float rounding that caused it:
   * there only near-ties may go the other way (see above).
   */
  @Test
  void aMappedQ5KmFileGeneratesLlamaCppsTokens(@TempDir Path dir) throws IOException {
    JsonNode expected = LlamaCppFixtures.expected("Q5_K_M");
    Model model = LlamaCppFixtures.mapped(dir, "Q5_K_M");
    if (quantizesX(model)) {
      try (VectorCompute fast = new VectorCompute(2)) {
        for (JsonNode run : expected.get("runs")) {
          int[] prompt = LlamaCppFixtures.ints(run.get("prompt_ids"));
          int[] ids = LlamaCppFixtures.ints(run.get("reference").get("ids"));
          pickedAtNearTiesOnly(model, fast, prompt, ids);
        }
      }
      return;
    }
    try (LanguageModel lm = new LanguageModel(model, new VectorCompute(2))) {
      for (JsonNode run : expected.get("runs")) {
        JsonNode reference = run.get("reference");
        int[] ids = LlamaCppFixtures.ints(reference.get("ids"));
        int[] printed =
            reference.get("stopped_at_eog").asBoolean() ? Arrays.copyOf(ids, ids.length - 1) : ids;
        List<Integer> got =
            TestModels.tokens(lm, run.get("prompt").asText(), GenerationConfig.greedy(48));
        assertThat(got).as(run.get("prompt").asText()).containsExactly(boxed(printed));
      }
    }
  }

  @ParameterizedTest
  @CsvSource({"IQ3_XS, token_embd.weight, IQ3_S (21)", "TQ1_0, blk.0.attn_k.weight, TQ1_0 (34)"})
  void typesBeyondTheListAreRefusedFromTheirHeaderEntry(String file, String tensor, String type) {
    byte[] b = LlamaCppFixtures.model(file);
    String message = "GGUF: tensor " + tensor + ": unsupported tensor type " + type;
    assertThatThrownBy(() -> GgufModels.load(TestModels.source(b)))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageStartingWith(message);
    // Cut right after the tensor's type field: the refusal needs nothing beyond it, so it comes
    // before any later entry is parsed or any tensor is allocated.
    byte[] header = Arrays.copyOf(b, GgufReaderTest.typeFieldOf(b, tensor) + 4);
    assertThatThrownBy(() -> GgufModels.load(TestModels.source(header)))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageStartingWith(message);
  }

  private static Model load(String type, boolean mapped, Path dir) throws IOException {
    byte[] bytes = LlamaCppFixtures.model(type);
    if (!mapped) {
      return GgufModels.load(TestModels.source(bytes));
    }
    Path file = dir.resolve("tiny-llama-" + type + ".gguf");
    Files.write(file, bytes);
    return ModelFiles.load(file, null);
  }

  /** Up to {@code n} greedy tokens, the last one an end-of-generation token if one came. */
  private static int[] greedy(Model model, Compute compute, int[] prompt, int n, int[] eog) {
    Transformer t = new Transformer(model.config(), model.weights(), compute);
    float[] logits = null;
    int pos = 0;
    for (int id : prompt) {
      logits = t.forward(id, pos++);
    }
    List<Integer> out = new ArrayList<>();
    while (out.size() < n) {
      int next = Sampler.argmax(logits);
      out.add(next);
      if (contains(eog, next)) {
        break;
      }
      logits = t.forward(next, pos++);
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  /**
   * Logits the fast path may move by where it quantizes x: above the 0.52 measured over these
   * fixtures (the native kernels' K-quants, x quantized per 256 values as llama.cpp's q8_K does;
   * 0.33 where x is quantized per 32).
   */
  private static final double X_ROUNDING = 0.75;

  /** Whether the fast path's products of any matrix quantize x. */
  private static boolean quantizesX(Model model) {
    LlamaWeights w = model.weights();
    List<WeightMatrix> all = new ArrayList<>(List.of(w.tokenEmbedding(), w.classifier()));
    for (List<WeightMatrix> layer :
        List.of(w.wq(), w.wk(), w.wv(), w.wo(), w.w1(), w.w2(), w.w3())) {
      all.addAll(layer);
    }
    return all.stream().anyMatch(m -> VectorCompute.quantizedInputBlock(m) > 0);
  }

  /**
   * Fed the reference tokens, {@code compute}'s logits stay within {@link #X_ROUNDING} of the
   * weight-only ones, and where its pick differs from the reference token, that token's exact logit
   * is within {@link #X_ROUNDING} of the pick's.
   */
  private static void pickedAtNearTiesOnly(Model model, Compute compute, int[] prompt, int[] ids) {
    Transformer exact = new Transformer(model.config(), model.weights(), new ScalarCompute());
    Transformer fast = new Transformer(model.config(), model.weights(), compute);
    float[] e = null;
    float[] f = null;
    int pos = 0;
    for (int id : prompt) {
      e = exact.forward(id, pos).clone();
      f = fast.forward(id, pos++).clone();
    }
    for (int step = 0; step < ids.length; step++) {
      for (int i = 0; i < e.length; i++) {
        assertThat((double) f[i])
            .as("step %d logit %d", step, i)
            .isCloseTo(e[i], Offset.offset(X_ROUNDING));
      }
      int pick = Sampler.argmax(f);
      assertThat((double) e[ids[step]] - e[pick])
          .as("step %d: picked %d over the reference %d", step, pick, ids[step])
          .isLessThanOrEqualTo(X_ROUNDING);
      e = exact.forward(ids[step], pos).clone();
      f = fast.forward(ids[step], pos++).clone();
    }
  }

  private static Integer[] boxed(int[] values) {
    return Arrays.stream(values).boxed().toArray(Integer[]::new);
  }

  private static boolean contains(int[] values, int v) {
    for (int x : values) {
      if (x == v) {
        return true;
      }
    }
    return false;
  }

  /** The named tensor's values as the loaded model holds them, row-major. */
  private static float[] values(LlamaWeights w, String name) {
    float[] vector = vector(w, name);
    if (vector != null) {
      return vector;
    }
    WeightMatrix m = matrix(w, name);
    float[] out = new float[m.rows() * m.cols()];
    float[] row = new float[m.cols()];
    for (int r = 0; r < m.rows(); r++) {
      m.row(r, row);
      System.arraycopy(row, 0, out, r * m.cols(), m.cols());
    }
    return out;
  }

  private static float[] vector(LlamaWeights w, String name) {
    if (name.equals("output_norm.weight")) {
      return w.rmsFinal();
    }
    Matcher m = LAYER.matcher(name);
    if (!m.matches()) {
      return null;
    }
    int l = Integer.parseInt(m.group(1));
    return switch (m.group(2)) {
      case "attn_norm" -> w.rmsAtt().get(l);
      case "ffn_norm" -> w.rmsFfn().get(l);
      default -> null;
    };
  }

  private static WeightMatrix matrix(LlamaWeights w, String name) {
    switch (name) {
      case "token_embd.weight" -> {
        return w.tokenEmbedding();
      }
      case "output.weight" -> {
        return w.classifier();
      }
      default -> {}
    }
    Matcher m = LAYER.matcher(name);
    assertThat(m.matches()).as(name).isTrue();
    int l = Integer.parseInt(m.group(1));
    List<WeightMatrix> list =
        switch (m.group(2)) {
          case "attn_q" -> w.wq();
          case "attn_k" -> w.wk();
          case "attn_v" -> w.wv();
          case "attn_output" -> w.wo();
          case "ffn_gate" -> w.w1();
          case "ffn_down" -> w.w2();
          case "ffn_up" -> w.w3();
          default -> throw new AssertionError("unexpected tensor " + name);
        };
    return list.get(l);
  }

  private static String sha256(float[] values) {
    ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.array()));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
