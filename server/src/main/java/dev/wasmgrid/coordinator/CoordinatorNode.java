package dev.wasmgrid.coordinator;

import dev.wasmgrid.http.GridServer;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.matmul.Gemm;
import dev.wasmgrid.worker.WorkerNode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A running coordinator: the public routes, placing work on remote workers or, with none given, on
 * an in-process worker (the embedded default).
 */
public final class CoordinatorNode implements AutoCloseable {
  private final GridServer server;
  private final WorkerPool pool;

  private CoordinatorNode(GridServer server, WorkerPool pool) {
    this.server = server;
    this.pool = pool;
  }

  /**
   * Starts a coordinator.
   *
   * @param settings where to listen, limits, and the token, which is also sent to the workers
   * @param workers base URLs of remote workers; empty for an in-process worker computing with
   *     {@code localGemm}
   * @param workerTimeout how long one call to a remote worker may take
   */
  public static CoordinatorNode start(
      ServerSettings settings, List<URI> workers, Duration workerTimeout, Gemm localGemm) {
    Limits limits = settings.limits();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    List<WorkerClient> clients = new ArrayList<>();
    if (workers.isEmpty()) {
      clients.add(
          new LocalWorkerClient(WorkerNode.endpoints(localGemm, limits, registry).routes()));
    } else {
      HttpClient http =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .connectTimeout(Duration.ofSeconds(5))
              .build();
      for (URI worker : workers) {
        clients.add(new HttpWorkerClient(worker, http, workerTimeout, settings.token()));
      }
    }
    WorkerPool pool = new WorkerPool(clients);
    GridServer server =
        GridServer.start(
            new GridServer.Config(
                settings.host(),
                settings.port(),
                limits,
                new CoordinatorEndpoints(pool, !workers.isEmpty(), limits.maxDimension()).routes(),
                registry,
                () -> true,
                settings.token()));
    return new CoordinatorNode(server, pool);
  }

  /** The port the coordinator listens on. */
  public int port() {
    return server.port();
  }

  /** Where work goes, for the start-up log. */
  public List<String> workerNames() {
    return pool.workers().stream().map(WorkerClient::name).toList();
  }

  @Override
  public void close() {
    server.close();
  }
}
