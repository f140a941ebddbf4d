package dev.wasmgrid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.bench.LocalCluster;
import dev.wasmgrid.wasm.WasmModules;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * WebAssembly through real processes: modules deployed on worker processes by a coordinator
 * process, calls surviving a worker killed with SIGKILL, and {@code matmul --engine wasm}.
 */
class ModuleProcessesTest {
  private static final Pattern CALLS_OK =
      Pattern.compile(
          "wasmgrid_http_requests_seconds_count\\{method=\"POST\","
              + "route=\"/v1/modules/\\{name}/call/\\{export}\",status=\"200\"} (\\d+)");

  final LocalCluster cluster = new LocalCluster(LocalCluster.sameJvm(Main.class.getName()));
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @AfterEach
  void stopAll() {
    cluster.close();
  }

  @Test
  void aCoordinatorProcessDeploysOnWorkerProcessesAndSurvivesOneKilled() throws Exception {
    LocalCluster.Node first = start("worker", "--threads", "1", "--modules-dir", "none");
    LocalCluster.Node second = start("worker", "--threads", "1", "--modules-dir", "none");
    int coordinator =
        start(
                "serve",
                "--workers",
                "http://127.0.0.1:" + first.port() + ",http://127.0.0.1:" + second.port())
            .port();

    HttpResponse<String> deployed =
        send(
            coordinator,
            HttpRequest.newBuilder()
                .header("Content-Type", "application/wasm")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(WasmModules.bundledBytes("prover"))),
            "/v1/modules/prover");
    assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
    for (int i = 0; i < 4; i++) {
      HttpResponse<String> call = call(coordinator, "[" + (10 * i) + ",5]");
      assertThat(call.statusCode()).as(call.body()).isEqualTo(200);
      assertThat(call.body()).isEqualTo("{\"results\":[" + (2 * i) + "]}");
    }
    // The worker processes, not the coordinator, ran the calls: two each.
    assertThat(callsServed(first.port())).isEqualTo(2);
    assertThat(callsServed(second.port())).isEqualTo(2);

    first.process().destroyForcibly();
    assertThat(first.process().waitFor(20, TimeUnit.SECONDS)).isTrue();
    for (int i = 0; i < 4; i++) {
      HttpResponse<String> call = call(coordinator, "[9,3]");
      assertThat(call.statusCode()).as(call.body()).isEqualTo(200);
    }
    assertThat(callsServed(second.port())).isEqualTo(6);
    // A trap is the call's own: relayed as 422, and the worker goes on.
    HttpResponse<String> trap =
        send(
            coordinator,
            HttpRequest.newBuilder().POST(HttpRequest.BodyPublishers.noBody()),
            "/v1/modules/prover/call/boom");
    assertThat(trap.statusCode()).isEqualTo(422);
    assertThat(trap.body()).contains("\"code\":\"trap\"");
    assertThat(call(coordinator, "[9,3]").statusCode()).isEqualTo(200);
  }

  @Test
  void matmulWithTheWasmEngineGivesTheReferenceProductToTheLastDigit() throws Exception {
    String printed = MatmulCli.run("--engine", "wasm", "--n", "80", "--seed", "9");
    assertThat(printed).contains("wasm").contains(MatmulCli.referenceChecksum(80, 9));
  }

  private LocalCluster.Node start(String role, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(role, "--host", "127.0.0.1", "--port", "0"));
    command.addAll(List.of(args));
    return cluster.start(command.toArray(String[]::new));
  }

  private HttpResponse<String> call(int port, String args) throws Exception {
    return send(
        port,
        HttpRequest.newBuilder()
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"args\":" + args + "}")),
        "/v1/modules/prover/call/div");
  }

  private long callsServed(int port) throws Exception {
    Matcher m = CALLS_OK.matcher(send(port, HttpRequest.newBuilder().GET(), "/metrics").body());
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  private HttpResponse<String> send(int port, HttpRequest.Builder request, String path)
      throws Exception {
    return http.send(
        request
            .uri(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(30))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
