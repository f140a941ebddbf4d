package dev.wasmgrid.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wasmgrid.llm.TinyModels;
import dev.wasmgrid.llm.gguf.QuantMix;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StreamsLlmBenchTest {

  @Test
  void printsAggregateRatesPerStreamCountAndTheirRatioOverOneStream() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    // The tiny model under the name of the cell the issue measures, with few tokens.
    LlmBench.Shape tiny = new LlmBench.Shape("stories110M", TinyModels.tinyConfig(), 8, 4, 16);
    StreamsLlmBench.run(
        new LlmBench.Options(List.of(tiny), List.of(QuantMix.F32, QuantMix.Q8_0), List.of(1, 2), 1),
        BenchReport.jsonLines(
            out, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
    ObjectMapper json = new ObjectMapper();
    List<String> seen = new ArrayList<>();
    for (String line : bytes.toString(StandardCharsets.UTF_8).strip().split("\n", -1)) {
      JsonNode n = json.readTree(line);
      JsonNode p = n.get("params");
      assertThat(n.get("bench").asText()).isEqualTo("llm");
      assertThat(n.get("value").asDouble()).isPositive().isFinite();
      seen.add(
          p.get("shape").asText()
              + " "
              + p.get("dtype").asText()
              + " "
              + p.get("threads").asInt()
              + " "
              + p.get("streams").asInt()
              + " "
              + n.get("metric").asText());
    }
    List<String> expected = new ArrayList<>();
    for (int streams : StreamsLlmBench.STREAMS) {
      expected.add("stories110M q8_0 2 " + streams + " aggregate_tok_s");
      if (streams > 1) {
        expected.add("stories110M q8_0 2 " + streams + " ratio_aggregate_over_single");
      }
    }
    assertThat(seen).containsExactlyElementsOf(expected);
  }
}
