package dev.wasmgrid.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.withinPercentage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wasmgrid.llm.LlamaConfig;
import dev.wasmgrid.llm.TensorType;
import dev.wasmgrid.llm.TinyModels;
import dev.wasmgrid.llm.gguf.ModelShape;
import dev.wasmgrid.llm.gguf.QuantMix;
import dev.wasmgrid.llm.jvm.VectorCompute;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LlmBenchTest {

  /** Every line issue 18 asks of a stories shape, per dtype and thread count, in order. */
  @Test
  void printsTheIssuesLinesPerShapeDtypeAndThreads() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    LlmBench.Shape tiny = new LlmBench.Shape("stories15M", TinyModels.tinyConfig(), 8, 4, 24);
    List<QuantMix> dtypes = List.of(QuantMix.F32, QuantMix.Q8_0, QuantMix.Q4_0, QuantMix.Q4_K_M);
    LlmBench.run(
        new LlmBench.Options(
            List.of(tiny), dtypes, List.of(1, 2), 1, List.of(), List.of(), 0, null, 32L << 20),
        BenchReport.jsonLines(
            out, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
    List<String> seen = new ArrayList<>();
    Map<String, Double> prefixTtft = new HashMap<>();
    double ratio = 0;
    for (JsonNode n : lines(bytes)) {
      assertThat(n.get("bench").asText()).isEqualTo("llm");
      assertThat(n.get("params").get("value")).isNull();
      assertThat(n.get("value").asDouble()).isPositive();
      JsonNode cached = n.get("params").get("prefix_cached");
      if (cached != null) {
        assertThat(n.get("params").get("prefix_tokens").asInt())
            .isEqualTo(tiny.config().seqLen() / 2);
        prefixTtft.put(cached.asText(), n.get("value").asDouble());
      } else if (n.get("metric").asText().equals("ratio_cached_over_uncached_ttft")) {
        ratio = n.get("value").asDouble();
      } else {
        seen.add(cell(n));
      }
    }
    assertThat(prefixTtft).containsOnlyKeys("true", "false");
    assertThat(ratio)
        .isCloseTo(prefixTtft.get("true") / prefixTtft.get("false"), withinPercentage(1));
    List<String> expected = new ArrayList<>(List.of("- - 1 mem_read_gbs", "- - 2 mem_read_gbs"));
    for (QuantMix dtype : dtypes) {
      String cell = "stories15M " + dtype.wireName() + " ";
      for (int threads : List.of(1, 2)) {
        for (String metric :
            List.of(
                "tok_s",
                "sampled_tok_s",
                "ttft_ms",
                "pp_tok_s",
                "load_ms",
                "peak_rss_mb",
                "mem_read_gbs",
                "roofline_fraction")) {
          expected.add(cell + threads + " " + metric);
        }
      }
      expected.add(cell + "- bytes_per_token");
      expected.add(cell + "best tok_s");
      expected.add(cell + "best roofline_fraction");
    }
    assertThat(seen).containsExactlyElementsOf(expected);
  }

  /**
   * The ratio lines follow from the printed numbers: roofline_fraction = tok_s × bytes_per_token /
   * mem_read_gbs at the same thread count, and the best line is the faster thread count's.
   */
  @Test
  void rooflineLinesFollowFromThePrintedRatesBytesAndBandwidth() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    LlmBench.Shape tiny = new LlmBench.Shape("stories15M", TinyModels.tinyConfig(), 6, 2, 16);
    LlmBench.run(
        new LlmBench.Options(
            List.of(tiny),
            List.of(QuantMix.Q8_0),
            List.of(1, 2),
            3,
            List.of(),
            List.of(),
            0,
            null,
            32L << 20),
        BenchReport.jsonLines(
            out, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
    Map<String, Double> v = new HashMap<>();
    for (JsonNode n : lines(bytes)) {
      v.put(cell(n), n.get("value").asDouble());
    }
    String cell = "stories15M q8_0 ";
    double bpt = v.get(cell + "- bytes_per_token");
    LlamaConfig c = TinyModels.tinyConfig();
    // Weights: every layer matrix and the tied classifier in Q8_0, as the model holds it: the
    // file's blocks where the native kernels read them (34 bytes per 32 weights), else widened at
    // load (a byte per weight and a float scale per 32: 36 bytes per 32 weights).
    double perWeight =
        VectorCompute.nativeTypes().contains(TensorType.Q8_0) ? 34 / 32.0 : 36 / 32.0;
    long weights =
        (long) c.layers()
                * (2L * c.dim() * c.dim() + 2L * c.kvDim() * c.dim() + 3L * c.dim() * c.hiddenDim())
            + (long) c.vocabSize() * c.dim();
    double kvPerPosition = 2.0 * c.layers() * c.kvDim() * 4;
    assertThat(bpt)
        .isGreaterThan(weights * perWeight)
        .isLessThan(weights * perWeight + kvPerPosition * 16);
    for (int threads : List.of(1, 2)) {
      assertThat(v.get("- - " + threads + " mem_read_gbs")).isPositive();
      double gbs = v.get(cell + threads + " mem_read_gbs");
      assertThat(gbs).isPositive();
      double tokS = v.get(cell + threads + " tok_s");
      assertThat(v.get(cell + threads + " roofline_fraction"))
          .isCloseTo(tokS * bpt / (gbs * 1e9), withinPercentage(0.2));
    }
    int best = v.get(cell + "1 tok_s") >= v.get(cell + "2 tok_s") ? 1 : 2;
    assertThat(v.get(cell + "best tok_s")).isEqualTo(v.get(cell + best + " tok_s"));
    assertThat(v.get(cell + "best roofline_fraction"))
        .isEqualTo(v.get(cell + best + " roofline_fraction"));
    assertThat(v.get(cell + "1 pp_tok_s")).isPositive();
  }

  @Test
  void shapedFilesGetLoadTimeBesideTheIssuesLines() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    ModelShape small = ModelShape.smollm2_135m().reduced(2, 1024, 64);
    ShapedLlmBench.run(
        List.of(new ShapedLlmBench.FileShape(small, 4, 2)),
        List.of(QuantMix.Q4_K_M, QuantMix.Q8_0),
        new LlmBench.Options(
            List.of(),
            List.of(),
            List.of(1),
            1,
            List.of("smollm2-135m"),
            List.of(QuantMix.Q8_0),
            0,
            null,
            1L << 20),
        threads -> Map.of(1, 10.0),
        BenchReport.jsonLines(
            out, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
    List<String> seen = new ArrayList<>();
    for (JsonNode n : lines(bytes)) {
      assertThat(n.get("value").asDouble()).isPositive();
      seen.add(cell(n));
    }
    List<String> expected = new ArrayList<>();
    for (String dtype : List.of("q4_k_m", "q8_0")) {
      for (String metric :
          List.of(
              "tok_s",
              "sampled_tok_s",
              "ttft_ms",
              "load_ms",
              "peak_rss_mb",
              "mem_read_gbs",
              "roofline_fraction")) {
        expected.add("smollm2-135m " + dtype + " 1 " + metric);
      }
      expected.add("smollm2-135m " + dtype + " - bytes_per_token");
      expected.add("smollm2-135m " + dtype + " best tok_s");
      expected.add("smollm2-135m " + dtype + " best roofline_fraction");
    }
    assertThat(seen).containsExactlyElementsOf(expected);
  }

  /** A cached file is written once, whole, and read by the next run instead of written again. */
  @Test
  void shapedFilesAreKeptInTheCacheForTheNextRun(@TempDir Path cache) throws Exception {
    ModelShape small = ModelShape.smollm2_135m().reduced(1, 1024, 64);
    LlmBench.Options options =
        new LlmBench.Options(
            List.of(),
            List.of(),
            List.of(1),
            5,
            List.of("smollm2-135m"),
            List.of(QuantMix.Q8_0),
            0,
            cache,
            1L << 20);
    String first = progressOfOneRun(small, options);
    Path file = cache.resolve(ShapedLlmBench.fileName(small, QuantMix.Q8_0, 5));
    try (Stream<Path> files = Files.list(cache)) {
      assertThat(files).containsExactly(file);
    }
    byte[] written = Files.readAllBytes(file);
    assertThat(first).contains("written in").doesNotContain("from the cache");

    String second = progressOfOneRun(small, options);
    assertThat(second).contains(file + " (").contains("from the cache").doesNotContain("written");
    assertThat(Files.readAllBytes(file)).isEqualTo(written);
  }

  /** The JSON lines a run printed. */
  private static List<JsonNode> lines(ByteArrayOutputStream bytes) throws Exception {
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> out = new ArrayList<>();
    for (String line : bytes.toString(StandardCharsets.UTF_8).strip().split("\n", -1)) {
      out.add(json.readTree(line));
    }
    return out;
  }

  /** A line's "shape dtype threads metric", with "-" for a param the line has not. */
  private static String cell(JsonNode n) {
    JsonNode p = n.get("params");
    StringBuilder s = new StringBuilder();
    for (String key : List.of("shape", "dtype", "threads")) {
      s.append(p.has(key) ? p.get(key).asText() : "-").append(' ');
    }
    return s.append(n.get("metric").asText()).toString();
  }

  private static String progressOfOneRun(ModelShape shape, LlmBench.Options options) {
    ByteArrayOutputStream progress = new ByteArrayOutputStream();
    ShapedLlmBench.run(
        List.of(new ShapedLlmBench.FileShape(shape, 2, 0)),
        options.mixes(),
        options,
        threads -> Map.of(),
        BenchReport.jsonLines(
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new PrintStream(progress, true, StandardCharsets.UTF_8)));
    return progress.toString(StandardCharsets.UTF_8);
  }
}
