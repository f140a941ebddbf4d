package dev.wasmgrid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.bench.LocalCluster;
import dev.wasmgrid.cli.ReadmeCommands.Command;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command line of README.md's {@code sh} blocks, run as a real process, so that an example
 * cannot drift from the code: {@code serve} and {@code worker} lines start, get ready and are
 * stopped; every other line must exit 0, printing what the README shows where it shows it. A line
 * is run as written except for the rules below, each listed: ports ({@code 8080} is a {@code serve}
 * started for the client lines, {@code 8081} and {@code 8082} are workers started for the lines
 * that name them, a server line listens on a free loopback port), the options that make a slow
 * command small, and the lines not run, each with why. A line no rule covers fails.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReadmeExamplesTest {
  static final Path README = DeployFilesTest.ROOT.resolve("README.md");

  /** Lines not run, and why. */
  static final Map<Pattern, String> NOT_RUN =
      Map.of(
          Pattern.compile("^\\./wasmgrid test\\b"),
          "runs the whole suite, which this test is part of",
          // A group marks a rule that names a file: the file must be missing from the repository.
          Pattern.compile("\\S+\\.(bin|gguf)\\b"),
          "reads a model file that is not in the repository (checked below)");

  /**
   * Options set on a command before it runs, replacing the README's values: each of these takes
   * minutes on two cores as written, and its smallest form runs the same code.
   */
  static final Map<String, List<String>> SMALL =
      Map.of(
          "bench matmul",
          List.of("--sizes", "64", "--dtype", "f64", "--threads", "1", "--budget", "PT0.05S"),
          "bench distributed",
          List.of("--sizes", "128", "--workers", "0,1"),
          "bench rpc",
          List.of("--samples", "20", "--clients", "2", "--duration", "PT0.3S"),
          "bench browser",
          List.of("--sizes", "32", "--sim-entities", "2000", "--sim-ticks", "10"),
          "bench recycle",
          List.of(
              "--state-mib",
              "1",
              "--swaps",
              "1",
              "--calls",
              "100",
              "--storm-clients",
              "2",
              "--storm-calls",
              "20"),
          "bench llm",
          List.of(
              "--shapes",
              "stories15M",
              "--dtype",
              "f32",
              "--threads",
              "1",
              "--tokens",
              "4",
              "--prompt-tokens",
              "16",
              "--file-cache",
              "none",
              "--files",
              "none"),
          "bench sim",
          List.of(
              "--entities",
              "1000",
              "--partitions",
              "1",
              "--ticks",
              "3",
              "--warm-up",
              "1",
              "--budget",
              "PT2S",
              "--ref-max-entities",
              "1000",
              "--ref-ticks",
              "1",
              "--ref-budget",
              "PT2S"),
          "sim",
          List.of("--ticks", "5"),
          "bench chaos",
          List.of("--seconds", "3", "--workers", "2"));

  static final Pattern LOOPBACK_URL = Pattern.compile("(localhost|127\\.0\\.0\\.1):(\\d+)");
  static final Duration LIMIT = Duration.ofMinutes(3);

  /** The servers the client lines talk to, by the README's port; started when first named. */
  final Map<Integer, LocalCluster.Node> fixtures = new HashMap<>();

  final LocalCluster cluster = new LocalCluster(launcher());

  @AfterAll
  void stopFixtures() {
    cluster.close();
  }

  @TestFactory
  Stream<DynamicTest> everyReadmeCommandLineRuns(@TempDir Path scratch) throws IOException {
    List<Command> commands = ReadmeCommands.parse(Files.readString(README));
    assertThat(commands).as("README.md's sh command lines").hasSizeGreaterThan(20);
    return commands.stream()
        .map(command -> DynamicTest.dynamicTest(command.text(), () -> run(command, scratch)));
  }

  private void run(Command command, Path scratch) throws Exception {
    for (Map.Entry<Pattern, String> rule : NOT_RUN.entrySet()) {
      Matcher matcher = rule.getKey().matcher(String.join(" ", command.words()));
      if (matcher.find()) {
        if (matcher.groupCount() > 0) {
          // Only a file the repository lacks excuses a line.
          assertThat(DeployFilesTest.ROOT.resolve(matcher.group()))
              .as("%s is in the repository: run the line", matcher.group())
              .doesNotExist();
        }
        System.out.println("README line not run (" + rule.getValue() + "): " + command.text());
        return;
      }
    }
    List<String> words = new ArrayList<>(command.words());
    String program = words.removeFirst();
    switch (program) {
      case "./wasmgrid" -> {
        if (!words.isEmpty() && List.of("serve", "worker").contains(words.getFirst())) {
          serve(command, words);
        } else {
          runToEnd(command, launcherWith(small(words)), scratch);
        }
      }
      case "curl" -> {
        List<String> curl = new ArrayList<>(List.of("curl", "--max-time", "60"));
        curl.addAll(withFixtures(words));
        runToEnd(command, curl, scratch);
      }
      default ->
          throw new AssertionError(
              "no rule runs `" + program + "` (README line: " + command.text() + ")");
    }
  }

  /** Starts a server line on a free loopback port, checks it is ready, and stops it. */
  private void serve(Command command, List<String> words) throws Exception {
    List<String> args = new ArrayList<>(withFixtures(words));
    int port = args.indexOf("--port");
    if (port >= 0) {
      args.set(port + 1, "0");
    } else {
      args.addAll(List.of("--port", "0"));
    }
    args.addAll(List.of("--host", "127.0.0.1"));
    try (LocalCluster own = new LocalCluster(launcher())) {
      LocalCluster.Node node = own.start(command.environment(), args.toArray(String[]::new));
      assertThat(get(node, "/health/ready", Optional.empty()).statusCode()).isEqualTo(200);
      String token = command.environment().get("WASMGRID_TOKEN");
      if (token != null) {
        assertThat(get(node, "/v1/workers", Optional.empty()).statusCode()).isEqualTo(401);
        assertThat(get(node, "/v1/workers", Optional.of(token)).statusCode()).isEqualTo(200);
      }
    }
  }

  /** Runs a line to its end within {@link #LIMIT}; it must exit 0 and print what is shown. */
  private static void runToEnd(Command command, List<String> line, Path scratch) throws Exception {
    Path output = Files.createTempFile(scratch, "out", ".txt");
    Path errors = Files.createTempFile(scratch, "err", ".txt");
    ProcessBuilder builder =
        new ProcessBuilder(line)
            .redirectOutput(output.toFile())
            .redirectError(errors.toFile())
            .directory(DeployFilesTest.ROOT.toFile());
    builder.environment().putAll(command.environment());
    Process process = builder.start();
    List<String> launcher = launcher();
    String shown =
        line.subList(0, Math.min(launcher.size(), line.size())).equals(launcher)
            ? "wasmgrid " + String.join(" ", line.subList(launcher.size(), line.size()))
            : String.join(" ", line);
    try {
      assertThat(process.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS))
          .as("%s ended within %s", shown, LIMIT)
          .isTrue();
      String printed = Files.readString(output);
      assertThat(process.exitValue())
          .as("%s exit status; it printed:%n%s%n%s", shown, printed, Files.readString(errors))
          .isZero();
      command
          .output()
          .ifPresent(
              expected -> assertThat(printed.strip()).as("%s prints", shown).isEqualTo(expected));
    } finally {
      process.destroyForcibly();
    }
  }

  /** The words with the options of {@link #SMALL} set for their command. */
  private List<String> small(List<String> words) {
    String key =
        words.size() > 1 && words.getFirst().equals("bench")
            ? "bench " + words.get(1)
            : words.isEmpty() ? "" : words.getFirst();
    List<String> small = new ArrayList<>(withFixtures(words));
    if (key.startsWith("bench ") && !SMALL.containsKey(key)) {
      throw new AssertionError(
          "README runs " + key + ": add its smallest options to ReadmeExamplesTest.SMALL");
    }
    List<String> options = SMALL.getOrDefault(key, List.of());
    for (int i = 0; i < options.size(); i += 2) {
      int at = small.indexOf(options.get(i));
      if (at >= 0) {
        small.set(at + 1, options.get(i + 1));
      } else {
        small.addAll(List.of(options.get(i), options.get(i + 1)));
      }
    }
    return small;
  }

  /** Loopback URLs moved to the fixtures: 8080 a coordinator, any other port a worker. */
  private List<String> withFixtures(List<String> words) {
    List<String> moved = new ArrayList<>();
    for (String word : words) {
      Matcher url = LOOPBACK_URL.matcher(word);
      StringBuilder replaced = new StringBuilder();
      while (url.find()) {
        int port = fixture(Integer.parseInt(url.group(2))).port();
        url.appendReplacement(replaced, url.group(1) + ":" + port);
      }
      url.appendTail(replaced);
      moved.add(replaced.toString());
    }
    return moved;
  }

  private LocalCluster.Node fixture(int readmePort) {
    return fixtures.computeIfAbsent(
        readmePort,
        port -> {
          try {
            return cluster.start(
                port == 8080 ? "serve" : "worker", "--host", "127.0.0.1", "--port", "0");
          } catch (IOException e) {
            throw new AssertionError("the fixture for port " + port + " did not start", e);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
          }
        });
  }

  private static HttpResponse<String> get(
      LocalCluster.Node node, String path, Optional<String> token)
      throws IOException, InterruptedException {
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(URI.create(node.url() + path)).timeout(Duration.ofSeconds(30));
      token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
  }

  /** {@code ./wasmgrid}'s java command on this JVM's class path (see DeployFilesTest). */
  private static List<String> launcher() {
    return LocalCluster.sameJvm(Main.class.getName());
  }

  private static List<String> launcherWith(List<String> args) {
    List<String> command = new ArrayList<>(launcher());
    command.addAll(args);
    return command;
  }
}
