package dev.wasmgrid.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wasmgrid.llm.TensorType;
import dev.wasmgrid.llm.TinyModels;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

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
    ObjectMapper json = new ObjectMapper();
    List<String> seen = new ArrayList<>();
    for (String line : bytes.toString(StandardCharsets.UTF_8).strip().split("\n", -1)) {
      JsonNode n = json.readTree(line);
      assertThat(n.get("bench").asText()).isEqualTo("llm");
      JsonNode p = n.get("params");
      assertThat(p.get("value")).isNull();
      assertThat(n.get("value").asDouble()).isPositive();
      seen.add(
          p.get("shape").asText()
              + " "
              + p.get("dtype").asText()
              + " "
              + p.get("threads").asInt()
              + " "
              + n.get("metric").asText());
    }
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
}
