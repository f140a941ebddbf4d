package dev.wasmgrid.matmul.blas;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Where the native code cannot load, {@code load} must say why and leave the JVM running. A JVM
 * loads a native library at most once, so this runs in a child JVM told to look for the natives of
 * a platform that does not exist.
 */
class OpenBlasLoadFailureTest {

  @Test
  void aMissingNativeLibraryIsReportedNotFatal() throws IOException, InterruptedException {
    Process process =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-Dorg.bytedeco.javacpp.platform=linux-nowhere",
                "-cp",
                System.getProperty("java.class.path"),
                LoadProbe.class.getName())
            .redirectErrorStream(true)
            .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();

    assertThat(process.exitValue()).as(output).isZero();
    List<String> lines = output.lines().toList();
    assertThat(lines)
        .as(output)
        .anySatisfy(
            line ->
                assertThat(line)
                    .startsWith(
                        "unavailable: OpenBLAS native library did not load for platform"
                            + " linux-nowhere: java.lang.UnsatisfiedLinkError: ")
                    .contains("jniopenblas"));
    assertThat(lines)
        .as(output)
        .anySatisfy(
            line ->
                assertThat(line)
                    .startsWith("second load: OpenBLAS native library did not load for platform"));
  }
}
