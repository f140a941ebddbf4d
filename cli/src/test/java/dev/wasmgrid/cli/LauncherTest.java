package dev.wasmgrid.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.matmul.Dtype;
import dev.wasmgrid.matmul.RandomMatrices;
import dev.wasmgrid.matmul.wire.MatrixFrames;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The launcher's own code, run as the user runs it: {@code ./wasmgrid test --help} as is, and the
 * CLI started by its {@code run_cli} (lifted from the script, since its build step must not run
 * inside a build), whose start-up output must be the program's own.
 */
class LauncherTest {
  private static final Pattern LISTENING = Pattern.compile("listening on http://[^:]+:(\\d+)");
  private static final Pattern JOB_ID = Pattern.compile("\"id\":\"([0-9a-f]{32})\"");

  private final List<Process> started = new ArrayList<>();

  /** What the last process started wrote to stderr so far, and whether its stderr has ended. */
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private final CountDownLatch errEnded = new CountDownLatch(1);

  @AfterEach
  void stop() throws InterruptedException {
    for (Process process : started) {
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  @Test
  void testHelpIsTheLaunchersOwnAndStartsNothing() throws Exception {
    Process help =
        new ProcessBuilder(root().resolve("wasmgrid").toString(), "test", "--help")
            .redirectErrorStream(true)
            .start();
    String printed = new String(help.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(help.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(help.exitValue()).as(printed).isZero();
    assertThat(printed)
        .startsWith("Usage: ./wasmgrid test [MAVEN_ARGUMENTS...]")
        .contains("mvn -B verify", "-Dtest=")
        .doesNotContainIgnoringCase("usage: mvn")
        .doesNotContain("apt-get install -y");
  }

  @Test
  void helpPrintsNothingButTheHelp() throws Exception {
    Process cli = runCli("--help");
    String out = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(cli.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(out).startsWith("Usage: wasmgrid");
    assertThat(stderrAtEnd(cli)).as("start-up output on stderr").isEmpty();
  }

  @Test
  void aWorkerStartsWithItsOwnLinesOnly() throws Exception {
    Process worker = runCli("worker", "--host", "127.0.0.1", "--port", "0", "--threads", "1");
    listen(worker);
    assertThat(stderrAtEnd(worker))
        .contains(" INFO WorkerNode - ")
        .doesNotContain("Using incubator modules")
        .doesNotContain("Helidon logging");
  }

  @Test
  void theLogNamesAJobByItsRefNotItsId() throws Exception {
    Process serve = runCli("serve", "--host", "127.0.0.1", "--port", "0", "--threads", "1");
    int port = listen(serve);
    byte[] frames =
        MatrixFrames.encode(
            RandomMatrices.of(Dtype.F64, 8, 8, 1), RandomMatrices.of(Dtype.F64, 8, 8, 2));
    HttpResponse<String> submitted =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/jobs/matmul"))
                    .header("Content-Type", MatrixFrames.MEDIA_TYPE)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(frames))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(202);
    Matcher id = JOB_ID.matcher(submitted.body());
    assertThat(id.find()).isTrue();
    String logged = "job " + id.group(1).substring(0, 8) + " succeeded";
    // Polls the log every 50 ms for at most 20 s: the job is 8x8, done in milliseconds.
    for (int i = 0; i < 400 && !err.toString(UTF_8).contains(logged); i++) {
      Thread.sleep(50);
    }
    assertThat(stderrAtEnd(serve)).contains(logged).doesNotContain(id.group(1));
  }

  /** Starts the CLI through the launcher's run_cli, with this test's class path as the jar. */
  private Process runCli(String... args) throws IOException {
    String launcher = Files.readString(root().resolve("wasmgrid"));
    StringBuilder script = new StringBuilder("set -euo pipefail\n");
    script.append("JAVA_HOME=").append(quoted(System.getProperty("java.home"))).append('\n');
    script.append("JAR=").append(quoted(System.getProperty("java.class.path"))).append('\n');
    script.append("ROOT=").append(quoted(root().toString())).append('\n');
    script.append(line(launcher, "INCUBATOR_WARNING"));
    for (String function :
        List.of("g1_regions", "huge_pages", "without_incubator_warning", "run_cli")) {
      script.append(function(launcher, function));
    }
    script.append("run_cli \"$@\"\n");
    List<String> command = new ArrayList<>(List.of("bash", "-c", script.toString(), "wasmgrid"));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).start();
    started.add(process);
    // Drained as it comes, so the process never blocks on it; it ends when the launcher's filter
    // has passed the last of it on.
    Thread.ofPlatform()
        .daemon()
        .start(
            () -> {
              try (InputStream in = process.getErrorStream()) {
                in.transferTo(err);
              } catch (IOException e) {
                err.writeBytes(("[reading stderr failed: " + e + "]").getBytes(UTF_8));
              } finally {
                errEnded.countDown();
              }
            });
    return process;
  }

  /** Reads the process's stdout until it says where it listens; the rest is left unread. */
  private static int listen(Process process) throws IOException {
    BufferedReader out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    for (String line = out.readLine(); line != null; line = out.readLine()) {
      Matcher m = LISTENING.matcher(line);
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
    }
    throw new AssertionError("the process ended before listening");
  }

  /** Stops the process (gracefully, as Ctrl-C would) and returns all it wrote to stderr. */
  private String stderrAtEnd(Process process) throws InterruptedException {
    process.destroy();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(errEnded.await(30, TimeUnit.SECONDS)).as("stderr ended").isTrue();
    return err.toString(UTF_8);
  }

  private static String function(String script, String name) {
    Matcher m = Pattern.compile("(?ms)^" + name + "\\(\\) \\{\\n.*?^\\}\\n").matcher(script);
    assertThat(m.find()).as("the launcher defines " + name).isTrue();
    return m.group();
  }

  private static String line(String script, String variable) {
    Matcher m = Pattern.compile("(?m)^" + variable + "=.*\\n").matcher(script);
    assertThat(m.find()).as("the launcher sets " + variable).isTrue();
    return m.group();
  }

  private static String quoted(String value) {
    return "'" + value.replace("'", "'\\''") + "'";
  }

  private static Path root() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("wasmgrid")) && Files.isDirectory(dir.resolve("cli"))) {
        return dir;
      }
    }
    throw new IllegalStateException("no repository root above " + Path.of("").toAbsolutePath());
  }
}
