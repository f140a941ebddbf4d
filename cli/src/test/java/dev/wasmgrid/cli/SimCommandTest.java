package dev.wasmgrid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.sim.PartitionedSim;
import dev.wasmgrid.sim.PhaseRunner;
import dev.wasmgrid.sim.SimConfig;
import dev.wasmgrid.sim.StateHash;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code wasmgrid sim}: its report, its last line, and its errors. */
class SimCommandTest {

  @Test
  void printsStatisticsAndEndsWithTheHashOfTheRun() {
    String expected;
    try (PartitionedSim sim = new PartitionedSim(SimConfig.of(300, 9), 1, PhaseRunner.SEQUENTIAL)) {
      for (int t = 0; t < 15; t++) {
        sim.step();
      }
      expected = "hash=" + StateHash.hex(sim.stateHash());
    }
    for (List<String> engine :
        List.of(
            List.of("--partitions", "2"),
            List.of("--partitions", "2", "--sweep", "scalar"),
            List.of("--impl", "ref"))) {
      StringWriter out = new StringWriter();
      int status =
          new CommandLine(Main.class)
              .setOut(new PrintWriter(out))
              .execute(
                  concat(
                      List.of("sim", "--entities", "300", "--ticks", "15", "--seed", "9"), engine));
      assertThat(status).isZero();
      List<String> lines = out.toString().lines().toList();
      assertThat(lines.getLast()).as("%s", engine).isEqualTo(expected);
      assertThat(out.toString())
          .containsPattern("tick ms: p50 [0-9.]+  p99 [0-9.]+")
          .containsPattern("entity-updates/s: [0-9.e+]+")
          .containsPattern("[0-9]+ bytes per entity");
    }
  }

  @Test
  void badArgumentsAreNamed() {
    assertThat(errorOf("sim", "--entities", "-5")).contains("entities must be in [0, ");
    assertThat(errorOf("sim", "--entities", "300", "--partitions", "0"))
        .contains("partitions must be >= 1");
    assertThat(errorOf("sim", "--entities", "300", "--partitions", "99"))
        .contains("partitions must be <= ");
    assertThat(errorOf("sim", "--ticks", "-1")).contains("ticks must be >= 0");
    assertThat(errorOf("sim", "--sweep", "simd"))
        .contains("sweep must be native, vector or scalar");
    assertThat(errorOf("sim", "--entities", "300", "--workers", "ftp://x:1")).contains("ftp://x:1");
    assertThat(
            errorOf(
                "sim",
                "--entities",
                "300",
                "--workers",
                "http://127.0.0.1:9",
                "--checkpoint-every",
                "0"))
        .contains("checkpoint-every must be >= 1");
    assertThat(errorOf("sim", "--workers", "http://127.0.0.1:9", "--impl", "ref"))
        .contains("--workers runs the fast engine");
  }

  private static String errorOf(String... args) {
    StringWriter err = new StringWriter();
    int status =
        new CommandLine(Main.class)
            .setErr(new PrintWriter(err))
            .setOut(new PrintWriter(new StringWriter()))
            .execute(args);
    assertThat(status).isNotZero();
    return err.toString();
  }

  private static String[] concat(List<String> a, List<String> b) {
    return java.util.stream.Stream.concat(a.stream(), b.stream()).toArray(String[]::new);
  }
}
