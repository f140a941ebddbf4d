package dev.wasmgrid.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CommandLineTest {

  @Test
  void helpListsEveryCommandOnOneLineEach() {
    String usage = new CommandLine(Main.class).getUsageMessage(CommandLine.Help.Ansi.OFF);
    for (String command :
        List.of("serve", "worker", "matmul", "generate", "sim", "bench", "test", "help")) {
      assertThat(usage).containsPattern("(?m)^  " + command + " +\\S.*$");
    }
    String commands = usage.substring(usage.indexOf("Commands:"), usage.indexOf("Docs:"));
    assertThat(commands.strip().lines().skip(1)).allMatch(line -> line.matches("  \\S+ +\\S.*"));
  }

  @Test
  void oneThreadIsOneThread() throws Exception {
    assertThat(MatmulCli.run("--n", "8", "--threads", "1"))
        .contains(", 1 thread, after one warm-up")
        .doesNotContain("1 threads");
  }

  @Test
  void badWorkerSourcesAreNamedBeforeAnythingStarts() {
    StringWriter err = new StringWriter();
    int status =
        new CommandLine(Main.class)
            .setErr(new PrintWriter(err))
            .execute("serve", "--port", "0", "--workers", "127.0.0.1:8081");
    assertThat(status).isEqualTo(2);
    assertThat(err.toString())
        .contains("--workers: '127.0.0.1:8081' is not an http:// or https:// URL");
  }

  @Test
  void aModulesDirThatCannotBeCreatedIsNamedBeforeAnythingStarts(@TempDir Path tmp)
      throws Exception {
    Path file = Files.writeString(tmp.resolve("a-file"), "not a directory");
    StringWriter err = new StringWriter();
    int status =
        new CommandLine(Main.class)
            .setErr(new PrintWriter(err))
            .execute("worker", "--port", "0", "--modules-dir", file.resolve("modules").toString());
    assertThat(status).isEqualTo(2);
    assertThat(err.toString()).contains("--modules-dir: cannot create").doesNotContain("\tat ");
  }

  @Test
  void modulesDirDefaultsToTheHomeDirectoryAndNoneKeepsThemInMemory(@TempDir Path tmp) {
    WorkerCommand worker = new WorkerCommand();
    new CommandLine(worker).parseArgs();
    assertThat(Path.of(worker.modulesDir))
        .isEqualTo(Path.of(System.getProperty("user.home"), ".wasmgrid", "modules"));
    new CommandLine(worker).parseArgs("--modules-dir", "none");
    assertThat(worker.modulesDir()).isEmpty();
    new CommandLine(worker).parseArgs("--modules-dir=");
    assertThat(worker.modulesDir()).isEmpty();
    new CommandLine(worker).parseArgs("--modules-dir", tmp.resolve("m").toString());
    assertThat(worker.modulesDir()).hasValue(tmp.resolve("m").toAbsolutePath());
    assertThat(tmp.resolve("m")).isDirectory();
  }

  @Test
  void byteSizesParseWithUnits() {
    ByteSize size = new ByteSize();
    assertThat(size.convert("1048576")).isEqualTo(1L << 20);
    assertThat(size.convert("512KiB")).isEqualTo(512L << 10);
    assertThat(size.convert("64MiB")).isEqualTo(64L << 20);
    assertThat(size.convert("2g")).isEqualTo(2L << 30);
    assertThatThrownBy(() -> size.convert("lots"))
        .isInstanceOf(CommandLine.TypeConversionException.class)
        .hasMessageContaining("64MiB");
    assertThatThrownBy(() -> size.convert("0"))
        .isInstanceOf(CommandLine.TypeConversionException.class);
  }
}
