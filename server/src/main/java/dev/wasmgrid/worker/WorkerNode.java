package dev.wasmgrid.worker;

import dev.wasmgrid.http.Drainable;
import dev.wasmgrid.http.GridServer;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.http.Service;
import dev.wasmgrid.llm.worker.LlmMetrics;
import dev.wasmgrid.llm.worker.LlmWorkerService;
import dev.wasmgrid.llm.worker.ModelHosts;
import dev.wasmgrid.matmul.Gemm;
import dev.wasmgrid.matmul.worker.MatmulCompute;
import dev.wasmgrid.matmul.worker.MatmulWorkerService;
import dev.wasmgrid.modules.worker.ModuleStore;
import dev.wasmgrid.modules.worker.ModuleWorkerService;
import dev.wasmgrid.sim.EntityBudget;
import dev.wasmgrid.sim.worker.PartitionService;
import dev.wasmgrid.sim.worker.SimPartitions;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
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
  private final ModuleStore modules;
  private final ModelHosts models;
  private final LlmWorkerService llm;
  private final Optional<String> token;
  // Guarded by this.
  private CoordinatorLink link;

  private WorkerNode(
      GridServer server,
      ModuleStore modules,
      ModelHosts models,
      LlmWorkerService llm,
      Optional<String> token) {
    this.server = server;
    this.modules = modules;
    this.models = models;
    this.llm = llm;
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
    ModuleStore modules = ModuleStore.open(config.modulesDir(), registry, config.moduleLimits());
    LOG.info(
        "WebAssembly modules {}; {} loaded",
        config.modulesDir().map(d -> "stored in " + d).orElse("kept in memory only"),
        modules.size());
    long maxBody = settings.limits().maxBodyBytes();
    LlmWorkerService llm = new LlmWorkerService(models, registry, maxBody);
    List<Service> services =
        List.of(
            matmul(config.gemm(), settings.limits(), registry),
            new ModuleWorkerService(modules, maxBody),
            llm,
            new PartitionService(
                new SimPartitions(SimPartitions.DEFAULT_MAX, EntityBudget.ofThisJvm()), maxBody));
    GridServer server;
    try {
      server = GridServer.start(new GridServer.Config(settings, registry, () -> true, services));
    } catch (RuntimeException e) {
      modules.close();
      models.close();
      throw e;
    }
    return new WorkerNode(server, modules, models, llm, settings.token());
  }

  /** A worker's matmul service, also the embedded coordinator's in-process worker. */
  public static MatmulWorkerService matmul(
      Gemm gemm, Limits limits, PrometheusMeterRegistry registry) {
    Gauge.builder("wasmgrid.matmul.backend", () -> 1)
        .description("The matmul kernel chosen at start-up (value is always 1)")
        .tag("backend", gemm.name())
        .tag("threads", Integer.toString(gemm.threads()))
        .register(registry);
    return new MatmulWorkerService(new MatmulCompute(gemm, registry), limits.maxDimension());
  }

  /** The language models this worker serves. */
  public ModelHosts models() {
    return models;
  }

  /** The language-model meters. */
  public LlmMetrics llmMetrics() {
    return llm.metrics();
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
    modules.close();
    models.close();
  }
}
