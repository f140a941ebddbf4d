package dev.wasmgrid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wasmgrid.bench.LocalCluster;
import dev.wasmgrid.testing.Poll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --log-level} and {@code --log-format} on worker processes and commands run for real. */
class LogOptionsProcessTest {
  private static final Duration LIMIT = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What the JVM itself prints on stderr before main, outside any logger. */
  private static final String JVM_NOTICE = "WARNING: Using incubator modules: jdk.incubator.vector";

  private static final String SEED =
      "{\"meta\":[{\"name\":\"method\",\"value\":\"multiply\"}],"
          + "\"content\":\"{\\\"A\\\":\\\"[[1,2],[3,4]]\\\",\\\"B\\\":\\\"[[5,6],[7,8]]\\\"}\"}";

  @Test
  void jsonLinesParseAndCarryLevelLoggerMessageAndTheRequestId(@TempDir Path tmp) throws Exception {
    Path log = tmp.resolve("worker.log");
    try (LocalCluster cluster = new LocalCluster(LocalCluster.sameJvm(Main.class.getName()))) {
      LocalCluster.Node worker = cluster.start(Map.of(), log, worker("--log-format", "json"));
      assertThat(rpc(worker, "json-line-7").statusCode()).isEqualTo(200);
      Poll.until("the access line", LIMIT, () -> read(log).contains("json-line-7"));

      List<JsonNode> lines = new ArrayList<>();
      for (String line : Files.readAllLines(log)) {
        if (!line.equals(JVM_NOTICE)) {
          lines.add(JSON.readTree(line)); // throws on anything but JSON
        }
      }
      assertThat(lines)
          .allSatisfy(
              line -> {
                assertThat(line.isObject()).as("%s", line).isTrue();
                assertThat(line.path("time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
                assertThat(line.path("level").asText()).isIn("ERROR", "WARN", "INFO");
                assertThat(line.path("logger").asText()).isNotEmpty();
                assertThat(line.path("message").asText()).isNotEmpty();
              });
      assertThat(lines)
          .anySatisfy(
              line ->
                  assertThat(line.path("logger").asText())
                      .isEqualTo("dev.wasmgrid.worker.WorkerNode"));
      JsonNode access =
          lines.stream()
              .filter(line -> line.path("logger").asText().equals("wasmgrid.access"))
              .findFirst()
              .orElseThrow();
      assertThat(access.path("level").asText()).isEqualTo("INFO");
      assertThat(access.path("message").asText()).startsWith("POST /rpc 200 ");
      assertThat(access.path("request_id").asText()).isEqualTo("json-line-7");
    }
  }

  @Test
  void warnSilencesInfoAndALoggerOfItsOwnCanBringItBack(@TempDir Path tmp) throws Exception {
    Path quiet = tmp.resolve("quiet.log");
    Path workerNode = tmp.resolve("worker-node.log");
    try (LocalCluster cluster = new LocalCluster(LocalCluster.sameJvm(Main.class.getName()))) {
      LocalCluster.Node a = cluster.start(Map.of(), quiet, worker("--log-level", "warn"));
      LocalCluster.Node b =
          cluster.start(
              Map.of(), workerNode, worker("--log-level", "warn,dev.wasmgrid.worker=info"));
      assertThat(rpc(a, "quiet-1").statusCode()).isEqualTo(200);
      assertThat(rpc(b, "quiet-2").statusCode()).isEqualTo(200);
    }
    // Both stopped: their logs hold all they will ever hold (an access line is written once the
    // answer has left, so it may come after the client has it).
    assertThat(read(quiet)).doesNotContain(" INFO ").doesNotContain("quiet-1");
    assertThat(read(workerNode))
        .contains(" INFO WorkerNode - ")
        .doesNotContain(" INFO MatmulKernels - ")
        .doesNotContain("quiet-2");
  }

  @Test
  void anUnknownLevelOrFormatIsAUsageError() throws Exception {
    Result level = run("sim", "--ticks", "1", "--log-level", "loud");
    assertThat(level.status()).isEqualTo(2);
    assertThat(level.err())
        .contains("Invalid value for option '--log-level'")
        .contains("'loud' is not a log level: error, warn, info, debug or trace")
        .doesNotContain("\tat ");
    assertThat(level.out()).isEmpty();

    Result format = run("--log-format", "xml", "sim", "--ticks", "1");
    assertThat(format.status()).isEqualTo(2);
    assertThat(format.err())
        .contains("Invalid value for option '--log-format'")
        .contains("'xml' is not a log format: text or json");
  }

  private static String[] worker(String... options) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "worker",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--threads",
                "1",
                "--modules-dir",
                "none"));
    args.addAll(List.of(options));
    return args.toArray(String[]::new);
  }

  private static HttpResponse<String> rpc(LocalCluster.Node node, String id)
      throws IOException, InterruptedException {
    try (HttpClient http = HttpClient.newHttpClient()) {
      return http.send(
          HttpRequest.newBuilder(URI.create(node.url() + "/rpc"))
              .header("X-Request-Id", id)
              .POST(HttpRequest.BodyPublishers.ofString(SEED))
              .build(),
          HttpResponse.BodyHandlers.ofString());
    }
  }

  private static String read(Path log) {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  record Result(int status, String out, String err) {}

  /** Runs {@code wasmgrid args...} to its end; stdout and stderr are pipes. */
  static Result run(String... args) throws Exception {
    List<String> command = new ArrayList<>(LocalCluster.sameJvm(Main.class.getName()));
    command.addAll(List.of(args));
    return runCommand(command);
  }

  /** Runs {@code command} to its end, its stdin closed. */
  static Result runCommand(List<String> command) throws Exception {
    Path err = Files.createTempFile("wasmgrid-stderr-", ".txt");
    try {
      Process cli = new ProcessBuilder(command).redirectError(err.toFile()).start();
      cli.getOutputStream().close();
      String out = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(cli.waitFor(60, TimeUnit.SECONDS)).isTrue();
      return new Result(cli.exitValue(), out, Files.readString(err));
    } finally {
      Files.delete(err);
    }
  }
}
