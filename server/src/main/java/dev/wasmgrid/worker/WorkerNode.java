package dev.wasmgrid.worker;

import dev.wasmgrid.http.Drainable;
import dev.wasmgrid.http.GridServer;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.llm.worker.LlmMetrics;
import dev.wasmgrid.llm.worker.ModelHosts;
import dev.wasmgrid.matmul.Gemm;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running worker: the matmul routes, the WebAssembly module routes ({@code /v1/modules}) and the
 * simulation partitions ({@code /v1/sim/partitions}) on their own HTTP server, optionally joined to
 * a coordinator.
 */
public final class WorkerNode implements Drainable {
  private static final Logger LOG = LoggerFactory.getLogger(WorkerNode.class);

  private final GridServer server;
  private final WorkerServices services;
  private final ModelHosts models;
  private final Optional<String> token;
  // Guarded by this.
  private CoordinatorLink link;

  private WorkerNode(
      GridServer server, WorkerServices services, ModelHosts models, Optional<String> token) {
    this.server = server;
    this.services = services;
    this.models = models;
    this.token = token;
  }

  /** Starts a worker computing with {@code gemm}, keeping deployed modules in memory only. */
  public static WorkerNode start(ServerSettings settings, Gemm gemm) {
    return WorkerConfig.builder(settings, gemm).start();
  }

  /**
   * Starts a worker.
   *
   * @throws java.io.UncheckedIOException when the modules directory cannot be created or read
   */
  public static WorkerNode start(WorkerConfig config) {
    ServerSettings settings = config.server();
    ModelHosts models = config.models();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    WorkerServices services =
        WorkerServices.open(
            config.gemm(),
            settings.limits(),
            registry,
            config.modulesDir(),
            config.moduleLimits(),
            models);
    LOG.info(
        "WebAssembly modules {}; {} loaded",
        config.modulesDir().map(d -> "stored in " + d).orElse("kept in memory only"),
        services.modules().size());
    GridServer server;
    try {
      server =
          GridServer.start(new GridServer.Config(settings, registry, () -> true, services.list()));
    } catch (RuntimeException e) {
      services.close();
      models.close();
      throw e;
    }
    return new WorkerNode(server, services, models, settings.token());
  }

  /** The language models this worker serves. */
  public ModelHosts models() {
    return models;
  }

  /** The language-model meters. */
  public LlmMetrics llmMetrics() {
    return services.llm().metrics();
  }

  /** The port the worker listens on. */
  public int port() {
    return server.port();
  }

  /**
   * Registers this worker with a coordinator as {@code advertise} and keeps sending heartbeats
   * until the returned link or this node is closed. The worker's own token, if any, is sent: one
   * grid shares one token.
   *
   * @param retry how long to wait before trying again when the coordinator cannot be reached
   * @throws IllegalStateException when the worker already joined
   */
  public synchronized CoordinatorLink join(URI coordinator, URI advertise, Duration retry) {
    if (link != null) {
      throw new IllegalStateException("this worker already joined a coordinator");
    }
    link = CoordinatorLink.start(coordinator, advertise, retry, token);
    return link;
  }

  /**
   * Stops heartbeats (a joined coordinator drops this worker), refuses new requests and waits up to
   * {@code grace} for those in service: tiles, simulation steps, generations.
   */
  @Override
  public void drain(Duration grace) throws InterruptedException {
    Instant deadline = Instant.now().plus(grace);
    leave();
    server.drain();
    int left = server.awaitRequests(deadline);
    if (left > 0) {
      LOG.warn("{} requests still in service after {}; stopping anyway", left, grace);
    }
  }

  private synchronized void leave() {
    if (link != null) {
      link.close();
    }
  }

  @Override
  public void close() {
    leave();
    server.close();
    services.close();
    models.close();
  }
}
