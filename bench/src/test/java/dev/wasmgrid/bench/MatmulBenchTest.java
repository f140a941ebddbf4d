package dev.wasmgrid.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.withinPercentage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wasmgrid.bench.MatmulBench.Impl;
import dev.wasmgrid.bench.MatmulBench.Options;
import dev.wasmgrid.bench.MatmulBench.Ratio;
import dev.wasmgrid.matmul.Dtype;
import dev.wasmgrid.matmul.Gemm;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.matmul.VectorGemm;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class MatmulBenchTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final Options TINY =
      new Options(
          List.of(16, 33),
          List.of(Dtype.F64, Dtype.F32),
          List.of(1, 2),
          Duration.ofMillis(20),
          7,
          List.of(new Ratio("vector", "ref"), new Ratio("vector", "blas")));

  private static final Impl REF = new Impl("ref", ReferenceGemm::new);
  private static final Impl VECTOR = new Impl("vector", VectorGemm::new);

  @Test
  void jsonLinesHaveOneMeasurementPerImplAndOneRatioPerCell() throws Exception {
    List<JsonNode> lines = runJson(TINY, List.of(VECTOR, REF));

    for (JsonNode line : lines) {
      assertThat(line.get("bench").asText()).isEqualTo("matmul");
      JsonNode params = line.get("params");
      assertThat(params.get("n").isInt()).isTrue();
      assertThat(params.get("dtype").asText()).isIn("f64", "f32");
      assertThat(params.get("threads").isInt()).isTrue();
      params.properties().forEach(p -> assertThat(p.getValue().isValueNode()).isTrue());
      assertThat(line.get("value").asDouble()).isPositive();
    }
    // 2 sizes × 2 dtypes × 2 thread counts, each with ref, vector and one ratio.
    assertThat(lines).hasSize(8 * 3);
    List<String> cells =
        lines.stream()
            .filter(l -> l.get("metric").asText().equals("ratio_vector_over_ref"))
            .map(l -> cellKey(l.get("params")))
            .toList();
    assertThat(cells).hasSize(8).doesNotHaveDuplicates();
    for (JsonNode line : lines) {
      String metric = line.get("metric").asText();
      if (metric.equals("gflops")) {
        assertThat(line.get("unit").asText()).isEqualTo("GFLOP/s");
        assertThat(line.get("params").get("impl").asText()).isIn("ref", "vector");
      } else {
        assertThat(metric).isEqualTo("ratio_vector_over_ref");
        assertThat(line.get("unit").asText()).isEqualTo("x");
        assertThat(line.get("params").has("impl")).isFalse();
      }
    }
    JsonNode ratio =
        lines.stream()
            .filter(l -> l.get("metric").asText().startsWith("ratio"))
            .findFirst()
            .orElseThrow();
    assertThat(ratio.get("value").asDouble())
        .isCloseTo(
            gflops(lines, ratio, "vector") / gflops(lines, ratio, "ref"), withinPercentage(1));
  }

  @Test
  void wrongKernelGetsAnErrorLineAndNoSpeed() throws Exception {
    // Leaves C alone: it must not pass by inheriting the reference's product.
    Impl lazy = new Impl("vector", threads -> new NoOpGemm());
    Options one = TINY.withSizes(List.of(9));
    List<JsonNode> lines = runJson(one, List.of(REF, lazy));

    Set<String> metricsOfVector =
        lines.stream()
            .filter(l -> "vector".equals(l.get("params").path("impl").asText()))
            .map(l -> l.get("metric").asText())
            .collect(Collectors.toSet());
    assertThat(metricsOfVector).containsExactly("error");
    assertThat(lines).noneMatch(l -> l.get("metric").asText().startsWith("ratio"));
    assertThat(lines)
        .filteredOn(l -> l.get("metric").asText().equals("error"))
        .hasSize(4)
        .allSatisfy(l -> assertThat(l.get("message").asText()).contains("wrong result"));
  }

  @Test
  void checksAgainstReferenceGemmWhenNoRefImplIsGiven() throws Exception {
    Impl broken =
        new Impl(
            "broken",
            threads ->
                new NoOpGemm() {
                  @Override
                  public void multiply(int m, int k, int n, double[] a, double[] b, double[] c) {
                    new VectorGemm(threads).multiply(m, k, n, a, b, c);
                    c[c.length - 1] += 1e-3;
                  }
                });
    Options f64 =
        new Options(List.of(12), List.of(Dtype.F64), List.of(1), Duration.ZERO, 1, List.of());
    List<JsonNode> lines = runJson(f64, List.of(VECTOR, broken));
    assertThat(lines).extracting(l -> l.get("metric").asText()).containsExactly("gflops", "error");
    assertThat(lines.get(1).get("message").asText()).contains("C[11][11]");
  }

  @Test
  void anImplementationRunsOnlyOnTheCellsItCovers() throws Exception {
    Impl small =
        new Impl("small", ReferenceGemm::new, cell -> cell.n() <= 16 && cell.dtype() == Dtype.F64);
    List<JsonNode> lines = runJson(TINY, List.of(REF, small));
    List<String> cells =
        lines.stream()
            .filter(l -> "small".equals(l.get("params").path("impl").asText()))
            .map(l -> l.get("metric").asText() + " " + cellKey(l.get("params")))
            .toList();
    // n=16, f64, threads 1 and 2: measured (and correct); nothing at all elsewhere.
    assertThat(cells).containsExactlyInAnyOrder("gflops 16/f64/1", "gflops 16/f64/2");
  }

  @Test
  void tableHasHeaderRowsAndRatios() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    MatmulBench.run(
        TINY.withSizes(List.of(8)), List.of(REF, VECTOR), MatmulBench.Output.table(out, quiet()));
    List<String> rows = bytes.toString(StandardCharsets.UTF_8).lines().toList();
    assertThat(rows.get(0)).contains("n", "dtype", "threads", "impl", "GFLOP/s");
    assertThat(rows).hasSize(1 + 4 * 3);
    assertThat(rows).filteredOn(r -> r.contains("vector / ref")).hasSize(4);
  }

  @Test
  void rejectsBadOptionsAndDuplicateNames() {
    assertThatThrownBy(() -> TINY.withSizes(List.of(0)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TINY.withBudget(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                MatmulBench.run(
                    TINY, List.of(REF, REF), MatmulBench.Output.jsonLines(quiet(), quiet())))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(Options.defaults().sizes()).containsExactly(256, 512, 1024, 2048);
  }

  private static List<JsonNode> runJson(Options options, List<Impl> impls) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    MatmulBench.run(options, impls, MatmulBench.Output.jsonLines(out, quiet()));
    List<JsonNode> lines = new ArrayList<>();
    for (String text : bytes.toString(StandardCharsets.UTF_8).lines().toList()) {
      lines.add(JSON.readTree(text));
    }
    return lines;
  }

  private static String cellKey(JsonNode params) {
    return params.get("n").asInt()
        + "/"
        + params.get("dtype").asText()
        + "/"
        + params.get("threads").asInt();
  }

  private static double gflops(List<JsonNode> lines, JsonNode ratio, String impl) {
    return lines.stream()
        .filter(l -> l.get("metric").asText().equals("gflops"))
        .filter(l -> cellKey(l.get("params")).equals(cellKey(ratio.get("params"))))
        .filter(l -> l.get("params").get("impl").asText().equals(impl))
        .findFirst()
        .orElseThrow()
        .get("value")
        .asDouble();
  }

  private static PrintStream quiet() {
    return new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
  }

  /** A kernel that never writes C. */
  private static class NoOpGemm implements Gemm {
    @Override
    public String name() {
      return "noop";
    }

    @Override
    public int threads() {
      return 1;
    }

    @Override
    public void multiply(int m, int k, int n, double[] a, double[] b, double[] c) {}

    @Override
    public void multiply(int m, int k, int n, float[] a, float[] b, float[] c) {}
  }
}
