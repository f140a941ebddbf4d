package dev.wasmgrid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wasmgrid.bench.BenchReport;
import dev.wasmgrid.bench.BrowserBench;
import dev.wasmgrid.bench.DistributedBench;
import dev.wasmgrid.bench.LocalCluster;
import dev.wasmgrid.bench.RpcBench;
import dev.wasmgrid.bench.chaos.ChaosBench;
import dev.wasmgrid.matmul.VectorGemm;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The process benchmarks, run small, print the JSON lines their names promise. */
class BenchScenariosTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void rpcBenchPrintsLatencyAndThroughputPerPath() throws Exception {
    List<JsonNode> lines =
        capture(
            report ->
                RpcBench.run(
                    new RpcBench.Options(50, 2, Duration.ofMillis(500)),
                    LocalCluster.sameJvm(Main.class.getName()),
                    report));
    for (String path : List.of("direct", "coordinator")) {
      for (String metric : List.of("p50_ms", "p99_ms", "rps")) {
        assertThat(lines)
            .anySatisfy(
                l -> {
                  assertThat(l.get("bench").asText()).isEqualTo("rpc");
                  assertThat(l.get("params").get("path").asText()).isEqualTo(path);
                  assertThat(l.get("metric").asText()).isEqualTo(metric);
                  assertThat(l.get("value").asDouble()).isPositive();
                });
      }
    }
  }

  @Test
  void distributedBenchComparesLocalWithWorkerProcesses() throws Exception {
    List<JsonNode> lines =
        capture(
            report ->
                DistributedBench.run(
                    new DistributedBench.Options(List.of(400), List.of(0, 1), 3),
                    new VectorGemm(1),
                    LocalCluster.sameJvm(Main.class.getName()),
                    report));
    for (int workers : List.of(0, 1)) {
      for (String metric : List.of("gflops", "efficiency", "bytes_moved", "seconds")) {
        assertThat(lines)
            .anySatisfy(
                l -> {
                  assertThat(l.get("bench").asText()).isEqualTo("distributed");
                  assertThat(l.get("params").path("n").asInt()).isEqualTo(400);
                  assertThat(l.get("params").path("workers").asInt()).isEqualTo(workers);
                  assertThat(l.get("metric").asText()).isEqualTo(metric);
                });
      }
    }
    // The tiles carry A, B and C at least once; so do the client's request and answer.
    for (String bytes : List.of("bytes_moved", "client_bytes_moved")) {
      assertThat(lines)
          .filteredOn(l -> l.get("params").path("workers").asInt(-1) == 1)
          .filteredOn(l -> l.get("metric").asText().equals(bytes))
          .singleElement()
          .satisfies(
              l -> assertThat(l.get("value").asDouble()).isGreaterThanOrEqualTo(3 * 400 * 400 * 8));
    }
    for (String metric : List.of("client_seconds", "efficiency_end_to_end")) {
      assertThat(lines)
          .filteredOn(l -> l.get("params").path("workers").asInt(-1) == 1)
          .filteredOn(l -> l.get("metric").asText().equals(metric))
          .singleElement()
          .satisfies(l -> assertThat(l.get("value").asDouble()).isPositive());
    }
    assertThat(lines)
        .filteredOn(l -> l.get("metric").asText().equals("loopback_mbps"))
        .singleElement()
        .satisfies(l -> assertThat(l.get("value").asDouble()).isPositive());
    assertThat(lines)
        .filteredOn(l -> l.get("metric").asText().equals("efficiency_ceiling"))
        .singleElement()
        .satisfies(
            l -> {
              assertThat(l.get("params").get("workers").asInt()).isEqualTo(1);
              assertThat(l.get("value").asDouble()).isPositive().isLessThan(1);
            });
  }

  @Test
  void browserBenchComparesBuildsAndWorkersWithTheJvm() throws Exception {
    List<JsonNode> lines =
        capture(
            report ->
                BrowserBench.run(
                    new BrowserBench.Options(List.of(64), 1500, 10), VectorGemm::new, report));
    for (String impl : List.of("wasm", "jvm-scalar", "jvm-fast")) {
      for (String metric : List.of("tick_p50_ms", "tick_p99_ms")) {
        assertThat(lines)
            .as(impl + " " + metric)
            .anySatisfy(
                l -> {
                  assertThat(l.get("bench").asText()).isEqualTo("browser");
                  assertThat(l.get("params").get("entities").asInt()).isEqualTo(1500);
                  assertThat(l.get("params").get("partitions").asInt()).isEqualTo(2);
                  assertThat(l.get("params").get("impl").asText()).isEqualTo(impl);
                  assertThat(l.get("metric").asText()).isEqualTo(metric);
                  assertThat(l.get("value").asDouble()).isPositive();
                });
      }
    }
    assertThat(lines)
        .filteredOn(l -> l.get("params").has("entities"))
        .extracting(l -> l.get("metric").asText())
        .contains("ratio_wasm_over_jvm_scalar", "ratio_wasm_over_jvm_fast");
    List<JsonNode> matmul = lines.stream().filter(l -> l.get("params").has("n")).toList();
    for (String workers : List.of("1", "all")) {
      for (String impl : List.of("wasm", "js", "jvm-fast", "jvm-scalar")) {
        assertThat(matmul)
            .as(workers + " " + impl)
            .anySatisfy(
                l -> {
                  assertThat(l.get("bench").asText()).isEqualTo("browser");
                  assertThat(l.get("params").get("n").asInt()).isEqualTo(64);
                  assertThat(l.get("params").get("workers").asText()).isEqualTo(workers);
                  assertThat(l.get("params").get("impl").asText()).isEqualTo(impl);
                  assertThat(l.get("metric").asText()).isEqualTo("gflops");
                  assertThat(l.get("value").asDouble()).isPositive();
                });
      }
      assertThat(matmul)
          .filteredOn(l -> l.get("params").get("workers").asText().equals(workers))
          .extracting(l -> l.get("metric").asText())
          .contains("ratio_wasm_over_jvm_scalar", "ratio_wasm_over_jvm_fast", "ratio_wasm_over_js");
    }
  }

  @Test
  void aShortChaosRunLosesNoCallAndAnswersNothingWrong() throws Exception {
    List<ChaosBench.Result> result = new ArrayList<>();
    List<JsonNode> lines =
        capture(
            report ->
                result.add(
                    ChaosBench.run(
                        new ChaosBench.Options(20, 3, 11),
                        LocalCluster.sameJvm(Main.class.getName()),
                        report)));
    assertThat(result.getFirst().passed()).as("chaos: %s", result.getFirst()).isTrue();
    for (String workload : List.of("matmul", "sim", "stateful")) {
      assertThat(lines)
          .anySatisfy(
              l -> {
                assertThat(l.get("bench").asText()).isEqualTo("chaos");
                assertThat(l.get("params").get("workload").asText()).isEqualTo(workload);
                assertThat(l.get("metric").asText()).isEqualTo("ok");
                assertThat(l.get("value").asDouble()).isPositive();
              });
    }
    assertThat(
            lines.stream()
                .filter(l -> l.get("metric").asText().equals("faults"))
                .mapToDouble(l -> l.get("value").asDouble())
                .sum())
        .isPositive();
  }

  private interface Scenario {
    void run(BenchReport report) throws Exception;
  }

  private static List<JsonNode> capture(Scenario scenario) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    scenario.run(
        BenchReport.jsonLines(new PrintStream(out, true, StandardCharsets.UTF_8), System.err));
    List<JsonNode> lines = new ArrayList<>();
    for (String line : out.toString(StandardCharsets.UTF_8).lines().toList()) {
      lines.add(JSON.readTree(line));
    }
    return lines;
  }
}
