package dev.wasmgrid.testing;

import dev.wasmgrid.coordinator.CoordinatorConfig;
import dev.wasmgrid.coordinator.CoordinatorNode;
import dev.wasmgrid.grid.discovery.DiscoverySettings;
import dev.wasmgrid.grid.discovery.WorkerSources;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.worker.WorkerNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Coordinators and workers on loopback for tests, with discovery fast enough to wait for. */
public final class Nodes {
  /** Every interval 100 ms; down after 2 failures. */
  public static final DiscoverySettings FAST =
      new DiscoverySettings(
          Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofMillis(100), 2);

  /** The seed's request and the part of its answer that holds the product. */
  public static final String SEED =
      "{\"meta\":[{\"name\":\"method\",\"value\":\"multiply\"}],"
          + "\"content\":\"{\\\"A\\\":\\\"[[1,2],[3,4]]\\\",\\\"B\\\":\\\"[[5,6],[7,8]]\\\"}\"}";

  public static final String SEED_ANSWER = "{\\\"C\\\":\\\"[[19,22],[43,50]]\\\"}";

  private static final Pattern RPC_OK =
      Pattern.compile(
          "wasmgrid_http_requests_seconds_count\\{method=\"POST\",route=\"/rpc\",status=\"200\"}"
              + " (\\d+)");

  private Nodes() {}

  /** A coordinator on 127.0.0.1 with an ephemeral port. */
  public static CoordinatorNode coordinator(WorkerSources workers, DiscoverySettings settings) {
    return CoordinatorConfig.builder(
            ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS),
            // No kernel of its own with remote workers, so "no worker" stays visible as a 503.
            workers.inProcess() ? new ReferenceGemm(1) : null)
        .workers(workers)
        .workerTimeout(Duration.ofSeconds(10))
        .discovery(settings)
        .start();
  }

  /** A worker on 127.0.0.1; port 0 picks a free one. */
  public static WorkerNode worker(int port) {
    return WorkerNode.start(
        ServerSettings.open("127.0.0.1", port, Limits.DEFAULTS), new ReferenceGemm(1));
  }

  /** The base URL of a worker on 127.0.0.1. */
  public static String url(int port) {
    return "http://127.0.0.1:" + port;
  }

  /** How many {@code /rpc} requests the server on {@code port} answered with 200. */
  public static long rpcServed(int port) {
    Matcher m = RPC_OK.matcher(Http.text(new Http(port).get("/metrics")));
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  /** A port nothing listens on: bound, read, released. */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
