package dev.wasmgrid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Real processes on loopback: a worker and a coordinator started as separate JVMs with the CLI, the
 * seed's request sent byte for byte through the coordinator to the worker.
 */
class ProcessIntegrationTest {
  static final String SEED =
      "{\"meta\":[{\"name\":\"method\",\"value\":\"multiply\"}],\"content\":\"{\\\"A\\\":\\\"[[1,2],[3,4]]\\\",\\\"B\\\":\\\"[[5,6],[7,8]]\\\"}\"}";
  static final Pattern LISTENING = Pattern.compile("listening on http://[^:]+:(\\d+)");

  final List<Process> processes = new ArrayList<>();
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @AfterEach
  void stopAll() throws InterruptedException {
    for (Process p : processes) {
      p.destroy();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }

  @Test
  void seedRequestThroughCoordinatorProcessToWorkerProcess() throws Exception {
    int worker = start("worker", "--host", "127.0.0.1", "--port", "0", "--threads", "1");
    int coordinator =
        start(
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--workers",
            "http://127.0.0.1:" + worker);

    HttpResponse<String> answer = post(coordinator, "/rpc", SEED);
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.body())
        .isEqualTo(
            "{\"meta\":[{\"name\":\"status\",\"value\":\"ok\"}],"
                + "\"content\":\"{\\\"C\\\":\\\"[[19,22],[43,50]]\\\"}\"}");
    // The worker process, not the coordinator, did the work.
    assertThat(get(worker, "/metrics").body())
        .containsPattern(
            "wasmgrid_http_requests_seconds_count\\{method=\"POST\",route=\"/rpc\",status=\"200\"} 1")
        .containsPattern("wasmgrid_matmul_flops_total\\{backend=\"[a-z]+\"} 16");

    // Bad input through the coordinator is answered by the worker, which keeps serving.
    HttpResponse<String> bad = post(coordinator, "/rpc", "{\"meta\":[],\"content\":\"x\"}");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(post(coordinator, "/rpc", SEED).statusCode()).isEqualTo(200);

    // With its only worker gone, the coordinator says so and stays up.
    processes.getFirst().destroy();
    assertThat(processes.getFirst().waitFor(20, TimeUnit.SECONDS)).isTrue();
    HttpResponse<String> orphaned = post(coordinator, "/rpc", SEED);
    assertThat(orphaned.statusCode()).isEqualTo(503);
    assertThat(orphaned.body()).contains("no_worker_available");
    assertThat(get(coordinator, "/health/live").statusCode()).isEqualTo(200);
  }

  @Test
  void serveWithNoFlagsComputesInProcess() throws Exception {
    int coordinator = start("serve", "--host", "127.0.0.1", "--port", "0");
    HttpResponse<String> answer = post(coordinator, "/rpc", SEED);
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.body()).contains("[[19,22],[43,50]]");
  }

  @Test
  void workerJoinsTheCoordinatorAndIsDroppedWhenItStops() throws Exception {
    int coordinator =
        start(
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--workers",
            "join",
            "--heartbeat-interval",
            "PT0.2S");
    int worker =
        start(
            "worker",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--threads",
            "1",
            "--join",
            "http://127.0.0.1:" + coordinator);
    // The worker advertises its --host and port by default.
    String listed = "\"url\":\"http://127.0.0.1:" + worker + "\"";
    awaitCondition(
        "the worker is listed", () -> get(coordinator, "/v1/workers").body().contains(listed));
    assertThat(get(coordinator, "/v1/workers").body()).contains("\"source\":\"join\"");
    assertThat(post(coordinator, "/rpc", SEED).statusCode()).isEqualTo(200);

    processes.get(1).destroy();
    assertThat(processes.get(1).waitFor(20, TimeUnit.SECONDS)).isTrue();
    awaitCondition(
        "the stopped worker is dropped",
        () -> !get(coordinator, "/v1/workers").body().contains(listed));
  }

  /** Polls {@code condition} every 50 ms for at most 20 s. */
  private static void awaitCondition(String what, Callable<Boolean> condition) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    for (int i = 0; i < 400 && System.nanoTime() - deadline < 0; i++) {
      if (condition.call()) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("timed out waiting until " + what);
  }

  /** Starts {@code wasmgrid args...} as a JVM and returns the port it announces. */
  private int start(String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElseThrow());
    command.add("--add-modules=jdk.incubator.vector");
    command.add("--enable-native-access=ALL-UNNAMED");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Main.class.getName());
    command.addAll(List.of(args));
    Process process =
        new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    processes.add(process);
    BufferedReader out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<Integer> port =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                  Matcher m = LISTENING.matcher(line);
                  if (m.find()) {
                    return Integer.parseInt(m.group(1));
                  }
                }
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
              throw new IllegalStateException(args[0] + " exited before listening");
            });
    return port.get(60, TimeUnit.SECONDS);
  }

  private HttpResponse<String> post(int port, String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(30))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
