package dev.wasmgrid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.bench.LocalCluster;
import dev.wasmgrid.testing.Poll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One request through a coordinator process to a worker process leaves one access-log line on each,
 * with the same request id: the client's, or one the coordinator made.
 */
class AccessLogTest {
  private static final Duration LIMIT = Duration.ofSeconds(30);
  private static final String SEED =
      "{\"meta\":[{\"name\":\"method\",\"value\":\"multiply\"}],"
          + "\"content\":\"{\\\"A\\\":\\\"[[1,2],[3,4]]\\\",\\\"B\\\":\\\"[[5,6],[7,8]]\\\"}\"}";

  @Test
  void aRequestsIdReachesTheWorkerAndBothLogIt(@TempDir Path logs) throws Exception {
    Path workerLog = logs.resolve("worker.log");
    Path coordinatorLog = logs.resolve("coordinator.log");
    try (LocalCluster cluster = new LocalCluster(LocalCluster.sameJvm(Main.class.getName()));
        HttpClient http = HttpClient.newHttpClient()) {
      LocalCluster.Node worker =
          cluster.start(Map.of(), workerLog, "worker", "--host", "127.0.0.1", "--port", "0");
      LocalCluster.Node coordinator =
          cluster.start(
              Map.of(),
              coordinatorLog,
              "serve",
              "--host",
              "127.0.0.1",
              "--port",
              "0",
              "--workers",
              worker.url());

      HttpResponse<String> given = rpc(http, coordinator, "client-chosen-7");
      assertThat(given.statusCode()).isEqualTo(200);
      assertThat(given.headers().firstValue("X-Request-Id")).hasValue("client-chosen-7");
      assertLoggedOnceEach("client-chosen-7", workerLog, coordinatorLog);

      // No id, or one that is no id (a space): the coordinator makes one and passes it on.
      for (String sent : new String[] {null, "not an id"}) {
        HttpResponse<String> made = rpc(http, coordinator, sent);
        String id = made.headers().firstValue("X-Request-Id").orElseThrow();
        assertThat(id).matches("[0-9a-f]{16}");
        assertLoggedOnceEach(id, workerLog, coordinatorLog);
      }
    }
  }

  private static HttpResponse<String> rpc(HttpClient http, LocalCluster.Node node, String id)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(node.url() + "/rpc"))
            .POST(HttpRequest.BodyPublishers.ofString(SEED));
    if (id != null) {
      request.header("X-Request-Id", id);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void assertLoggedOnceEach(String id, Path... logs) {
    for (Path log : logs) {
      Poll.until(log.getFileName() + " logs request " + id, LIMIT, () -> !lines(log, id).isEmpty());
      List<String> lines = lines(log, id);
      assertThat(lines).as("%s", log.getFileName()).hasSize(1);
      assertThat(lines.getFirst()).contains("POST /rpc 200 ").contains(" ms ").contains(" B id=");
    }
  }

  private static List<String> lines(Path log, String id) {
    try {
      return Files.readAllLines(log).stream().filter(l -> l.endsWith(" id=" + id)).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
