package dev.wasmgrid.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.wasmgrid.bench.LocalCluster;
import dev.wasmgrid.cli.progress.Terminal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@code --progress} of {@code sim} run as a process: lines when piped, a bar when asked or on a
 * terminal.
 */
class ProgressOutputTest {
  private static final String[] SIM = {
    "sim", "--entities", "400", "--ticks", "20", "--partitions", "1"
  };

  @Test
  void pipedOutputIsPlainLinesWithoutCarriageReturns() throws Exception {
    LogOptionsProcessTest.Result sim = LogOptionsProcessTest.run(SIM);
    assertThat(sim.status()).as(sim.err()).isZero();
    assertThat(sim.out())
        .doesNotContain("\r")
        .containsPattern(
            "^sim: 400 entities, fast \\((native sweep|vector sweep; native unavailable: .+)\\),"
                + " 1 partition, seed 42")
        .containsPattern("(?m)^hash=[0-9a-f]{16}$");
  }

  @Test
  void aBarCanBeAskedForThroughAPipe() throws Exception {
    List<String> args = new ArrayList<>(List.of(SIM));
    args.addAll(List.of("--progress", "bar"));
    LogOptionsProcessTest.Result sim = LogOptionsProcessTest.run(args.toArray(String[]::new));
    assertThat(sim.status()).as(sim.err()).isZero();
    String bar = sim.out().substring(sim.out().indexOf('\r'), sim.out().indexOf("tick ms:"));
    assertThat(bar)
        .startsWith("\rsim [")
        .containsPattern("\rsim \\[#{24}\\] 20/20 ticks, \\d+ entities, [0-9.]+ s *\n$");
    assertThat(bar.split("\r"))
        .allSatisfy(draw -> assertThat(draw.strip()).hasSizeLessThan(Terminal.columns()));
    assertThat(sim.out()).containsPattern("(?m)^hash=[0-9a-f]{16}$");
  }

  @Test
  void onATerminalAutoDrawsABar() throws Exception {
    Path script = Path.of("/usr/bin/script");
    assumeThat(Files.isExecutable(script))
        .as("util-linux script, to give the CLI a terminal")
        .isTrue();
    List<String> command = new ArrayList<>(LocalCluster.sameJvm(Main.class.getName()));
    command.addAll(List.of(SIM));
    String line = command.stream().map(ProgressOutputTest::quoted).collect(Collectors.joining(" "));
    // script runs the command on a new pseudo-terminal and copies what it shows to stdout.
    LogOptionsProcessTest.Result sim =
        LogOptionsProcessTest.runCommand(List.of(script.toString(), "-qec", line, "/dev/null"));
    assertThat(sim.status()).as(sim.out()).isZero();
    assertThat(sim.out()).contains("\rsim [").contains("] 20/20 ticks");
    assertThat(Arrays.stream(sim.out().split("\n")).filter(l -> l.startsWith("hash="))).hasSize(1);
  }

  private static String quoted(String word) {
    return "'" + word.replace("'", "'\\''") + "'";
  }
}
