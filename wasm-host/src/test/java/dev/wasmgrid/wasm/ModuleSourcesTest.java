package dev.wasmgrid.wasm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed binaries are what {@code build-modules.sh} makes of {@code src/main/c}. Not skipped
 * without clang: CI must check it, and {@code ./wasmgrid test} installs clang and lld when root.
 * The modules' producers section records the clang version, so another clang major fails here by
 * design; rebuild the binaries with it then.
 */
class ModuleSourcesTest {

  private static final String INSTALL =
      "install clang and lld (Debian: apt-get install -y clang lld; ./wasmgrid test does it when"
          + " run as root)";

  @Test
  void committedBinariesAreBuiltFromTheirSources(@TempDir Path out)
      throws IOException, InterruptedException {
    assertThat(onPath("clang")).as("clang is not on PATH: " + INSTALL).isTrue();
    assertThat(onPath("wasm-ld")).as("wasm-ld is not on PATH: " + INSTALL).isTrue();
    Process build =
        new ProcessBuilder("sh", "build-modules.sh", out.toString())
            .redirectErrorStream(true)
            .start();
    String log = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(build.waitFor(120, TimeUnit.SECONDS)).as("build-modules.sh finished").isTrue();
    assertThat(build.exitValue()).as("build-modules.sh failed:%n%s", log).isZero();
    for (String module : List.of("prover", "matmul")) {
      assertThat(Files.readAllBytes(out.resolve(module + ".wasm")))
          .as(
              "%s.wasm differs from its sources: rebuild it with 'wasm-host/build-modules.sh"
                  + " wasm-host/src/main/resources/dev/wasmgrid/wasm/modules' and commit it (the"
                  + " bytes also record the clang version; this clang: %s)",
              module, clangVersion())
          .isEqualTo(WasmModules.bundledBytes(module));
    }
  }

  /** Whether {@code tool} or a versioned {@code tool-NN} (as Debian installs them) is on PATH. */
  private static boolean onPath(String tool) {
    Pattern versioned = Pattern.compile(Pattern.quote(tool) + "(-[0-9]+)?");
    for (String dir :
        Pattern.compile(Pattern.quote(File.pathSeparator))
            .splitAsStream(System.getenv().getOrDefault("PATH", ""))
            .toList()) {
      String[] names = new File(dir.isEmpty() ? "." : dir).list();
      if (names == null) {
        continue;
      }
      for (String name : names) {
        if (versioned.matcher(name).matches() && Files.isExecutable(Path.of(dir, name))) {
          return true;
        }
      }
    }
    return false;
  }

  private static String clangVersion() {
    try {
      Process p = new ProcessBuilder("clang", "--version").redirectErrorStream(true).start();
      String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(10, TimeUnit.SECONDS);
      return text.lines().findFirst().orElse("?");
    } catch (IOException e) {
      return "not runnable as 'clang' (" + e.getMessage() + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "?";
    }
  }
}
