package dev.wasmgrid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.bench.LocalCluster;
import dev.wasmgrid.matmul.Dtype;
import dev.wasmgrid.matmul.Matrix;
import dev.wasmgrid.matmul.RandomMatrices;
import dev.wasmgrid.matmul.ReferenceGemm;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/** {@code wasmgrid matmul} run as a process of its own, and what its checksum line must say. */
final class MatmulCli {
  private MatmulCli() {}

  /** Runs {@code wasmgrid matmul args...}, expects success, and returns what it printed. */
  static String run(String... args) throws Exception {
    List<String> command = new ArrayList<>(LocalCluster.sameJvm(Main.class.getName()));
    command.add("matmul");
    command.addAll(List.of(args));
    Process cli = new ProcessBuilder(command).redirectErrorStream(true).start();
    String printed = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(cli.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(cli.exitValue()).as(printed).isZero();
    return printed;
  }

  /**
   * The checksum line for the n×n f64 product of the operands of {@code --seed seed}, computed by
   * the reference kernel, whose summation order every path that reaches it shares to the last
   * digit.
   */
  static String referenceChecksum(int n, long seed) {
    Matrix c =
        Matrix.multiply(
            new ReferenceGemm(1),
            RandomMatrices.of(Dtype.F64, n, n, seed),
            RandomMatrices.of(Dtype.F64, n, n, seed + 1));
    double checksum = 0;
    for (double x : ((Matrix.F64) c).data()) {
      checksum += x;
    }
    return String.format(Locale.ROOT, "checksum %.17g", checksum);
  }
}
