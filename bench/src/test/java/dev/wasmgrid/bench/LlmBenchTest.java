package dev.wasmgrid.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.withinPercentage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wasmgrid.llm.TensorType;
import dev.wasmgrid.llm.TinyModels;
import dev.wasmgrid.llm.gguf.ModelShape;
import dev.wasmgrid.llm.gguf.QuantMix;
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

  @Test
  void printsTheIssuesLinesPerShapeDtypeAndThreads() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    LlmBench.Shape tiny = new LlmBench.Shape("stories15M", TinyModels.tinyConfig(), 8, 4);
    LlmBench.run(
        new LlmBench.Options(
            List.of(tiny), List.of(TensorType.F32, TensorType.Q8_0), List.of(1, 2), 1),
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
    List<String> expected = new ArrayList<>();
    for (String dtype : List.of("f32", "q8_0")) {
      for (int threads : List.of(1, 2)) {
        for (String metric : List.of("tok_s", "ttft_ms", "peak_rss_mb")) {
          expected.add("stories15M " + dtype + " " + threads + " " + metric);
        }
      }
    }
    assertThat(seen).containsExactlyElementsOf(expected);
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
            null),
        BenchReport.jsonLines(
            out, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
    List<String> seen = new ArrayList<>();
    for (JsonNode n : lines(bytes)) {
      assertThat(n.get("value").asDouble()).isPositive();
      seen.add(cell(n));
    }
    List<String> expected = new ArrayList<>();
    for (String dtype : List.of("q4_k_m", "q8_0")) {
      for (String metric : List.of("tok_s", "ttft_ms", "load_ms", "peak_rss_mb")) {
        expected.add("smollm2-135m " + dtype + " 1 " + metric);
      }
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
            cache);
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

  /** A line's "shape dtype threads metric". */
  private static String cell(JsonNode n) {
    JsonNode p = n.get("params");
    return p.get("shape").asText()
        + " "
        + p.get("dtype").asText()
        + " "
        + p.get("threads").asInt()
        + " "
        + n.get("metric").asText();
  }

  private static String progressOfOneRun(ModelShape shape, LlmBench.Options options) {
    ByteArrayOutputStream progress = new ByteArrayOutputStream();
    ShapedLlmBench.run(
        List.of(new ShapedLlmBench.FileShape(shape, 2, 0)),
        options.mixes(),
        options,
        BenchReport.jsonLines(
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new PrintStream(progress, true, StandardCharsets.UTF_8)));
    return progress.toString(StandardCharsets.UTF_8);
  }
}
