package dev.wasmgrid.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * WebAssembly modules built from source by real toolchains for the tests: {@code
 * wasm-host/build-test-modules.sh} (clang with Debian's wasi-libc, Debian's rustc for WASI,
 * AssemblyScript's {@code asc} from npm) writes them to {@code target/test-modules} of the module
 * under test, once per test JVM. Never skipped: a missing toolchain fails the test with what to
 * install ({@code ./wasmgrid test} installs it when run as root).
 */
public final class TestModules {

  private TestModules() {}

  /** The bytes of {@code name}{@code .wasm}: {@code wasi_text}, {@code checks}, ... */
  public static byte[] bytes(String name) {
    try {
      return Files.readAllBytes(Built.DIR.resolve(name + ".wasm"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The path of a built file, such as the native build {@code wasi_text_native}. */
  public static Path path(String file) {
    return Built.DIR.resolve(file);
  }

  /** The build, run by the first test that asks (the holder class initialises once). */
  private static final class Built {
    static final Path DIR = build();
  }

  private static Path build() {
    Path script = script();
    Path out = Path.of("target", "test-modules").toAbsolutePath();
    try {
      Process build =
          new ProcessBuilder("sh", script.toString(), out.toString())
              .redirectErrorStream(true)
              .start();
      String log = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!build.waitFor(600, TimeUnit.SECONDS)) {
        build.destroyForcibly();
        throw new IllegalStateException(script + " did not finish in 10 minutes:\n" + log);
      }
      if (build.exitValue() != 0) {
        throw new IllegalStateException(
            script
                + " failed (install clang lld wasi-libc libclang-rt-dev-wasm32 rustc libstd-rust-dev-wasm32 nodejs npm;"
                + " ./wasmgrid test does it when run as root):\n"
                + log);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + script, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while building the test modules", e);
    }
  }

  /** The build script, found from the working directory (a module's, or the repository's). */
  private static Path script() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path script = dir.resolve("wasm-host/build-test-modules.sh");
      if (Files.isRegularFile(script)) {
        return script;
      }
    }
    throw new IllegalStateException(
        "wasm-host/build-test-modules.sh not found above " + Path.of("").toAbsolutePath());
  }
}
