package dev.wasmgrid.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wasmgrid.sim.SimConfig;
import dev.wasmgrid.sim.Simulation;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code bench sim}, run small, prints the JSON lines the issue names: wall p50/p99, state, CPU and
 * allocation per tick, and large worlds on the largest partition count only.
 */
class SimBenchTest {

  @Test
  void fastOnEachPartitionCountAndTheReferenceWithinItsBound() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    SimBench.run(
        new SimBench.Options(
            List.of(300, 600),
            List.of(1, 2),
            2,
            5,
            Duration.ofSeconds(5),
            300,
            2,
            Duration.ofSeconds(5),
            3,
            600,
            1,
            2),
        BenchReport.jsonLines(new PrintStream(bytes, true, StandardCharsets.UTF_8), System.err));
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> lines = new ArrayList<>();
    for (String line : bytes.toString(StandardCharsets.UTF_8).lines().toList()) {
      lines.add(json.readTree(line));
    }
    // 300 on 2 partition counts fast, 600 (large here) on the larger count only, plus the
    // reference at 300 only: 5 metrics each.
    assertThat(lines).hasSize(4 * 5);
    for (JsonNode l : lines) {
      assertThat(l.get("bench").asText()).isEqualTo("sim");
      assertThat(l.get("params").get("entities").asInt()).isIn(300, 600);
      assertThat(l.get("params").get("partitions").asInt()).isIn(1, 2);
      assertThat(l.get("params").get("impl").asText()).isIn("fast", "ref");
      assertThat(l.get("metric").asText())
          .isIn(
              "tick_p50_ms",
              "tick_p99_ms",
              "state_bytes",
              "cpu_ms_per_tick",
              "alloc_bytes_per_tick");
      if (l.get("metric").asText().matches("alloc_bytes_per_tick|cpu_ms_per_tick")) {
        // A partition alone sends no frames, and a step allocates nothing else; the process CPU
        // clock may tick coarser than five ticks of a world this small take.
        assertThat(l.get("value").asDouble()).as(l.toString()).isNotNegative();
      } else {
        assertThat(l.get("value").asDouble()).as(l.toString()).isPositive();
      }
    }
    assertThat(lines)
        .filteredOn(l -> l.get("params").get("impl").asText().equals("ref"))
        .allSatisfy(l -> assertThat(l.get("params").get("entities").asInt()).isEqualTo(300))
        .hasSize(5);
    assertThat(lines)
        .filteredOn(l -> l.get("params").get("entities").asInt() == 600)
        .allSatisfy(l -> assertThat(l.get("params").get("partitions").asInt()).isEqualTo(2))
        .hasSize(5);
  }

  @Test
  void warmUpStepsAtLeastItsMinimumAndNeverPastItsBound() {
    // Whether the JIT is still compiling decides how far between the two it goes.
    try (Simulation sim = SimBench.fast(SimConfig.of(300, 5), 1)) {
      int done = SimTiming.warmUp(sim, 3, 50);
      assertThat(done).isBetween(3, 50);
      assertThat(sim.tick()).isEqualTo(done);
    }
    try (Simulation sim = SimBench.fast(SimConfig.of(300, 5), 1)) {
      assertThat(SimTiming.warmUp(sim, 4, 4)).isEqualTo(4);
    }
  }
}
