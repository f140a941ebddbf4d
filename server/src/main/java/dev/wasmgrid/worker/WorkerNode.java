package dev.wasmgrid.worker;

import dev.wasmgrid.http.Drainable;
import dev.wasmgrid.http.GridServer;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.llm.worker.LlmMetrics;
import dev.wasmgrid.llm.worker.LlmRoutes;
import dev.wasmgrid.llm.worker.ModelHosts;
import dev.wasmgrid.matmul.Gemm;
import dev.wasmgrid.matmul.worker.MatmulEndpoints;
import dev.wasmgrid.matmul.worker.MatmulService;
import dev.wasmgrid.modules.worker.ModuleRoutes;
import dev.wasmgrid.modules.worker.ModuleStore;
import dev.wasmgrid.modules.worker.StoreLimits;
import dev.wasmgrid.sim.EntityBudget;
import dev.wasmgrid.sim.worker.SimPartitions;
import dev.wasmgrid.sim.worker.SimRoutes;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
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
  private final LlmRoutes llm;
  private final Optional<String> token;
  // Guarded by this.
  private CoordinatorLink link;

  private WorkerNode(
      GridServer server,
      ModuleStore modules,
      ModelHosts models,
      LlmRoutes llm,
      Optional<String> token) {
    this.server = server;
    this.modules = modules;
    this.models = models;
    this.llm = llm;
    this.token = token;
  }

  /** Starts a worker computing with {@code gemm}, keeping deployed modules in memory only. */
  public static WorkerNode start(ServerSettings settings, Gemm gemm) {
    return start(settings, gemm, Optional.empty());
  }

  /**
   * Starts a worker computing with {@code gemm} and keeping deployed modules in {@code modulesDir}
   * (created when missing; every module indexed there is loaded first), or in memory only when
   * empty.
   *
   * @throws java.io.UncheckedIOException when the directory cannot be created or read
   */
  public static WorkerNode start(ServerSettings settings, Gemm gemm, Optional<Path> modulesDir) {
    return start(settings, gemm, modulesDir, ModelHosts.none());
  }

  /** As {@link #start(ServerSettings, Gemm, Optional)}, serving {@code models}, which it closes. */
  public static WorkerNode start(
      ServerSettings settings, Gemm gemm, Optional<Path> modulesDir, ModelHosts models) {
    return start(settings, gemm, modulesDir, models, StoreLimits.DEFAULTS);
  }

  /**
   * As {@link #start(ServerSettings, Gemm, Optional, ModelHosts)}, its module store bounded by
   * {@code moduleLimits}.
   */
  public static WorkerNode start(
      ServerSettings settings,
      Gemm gemm,
      Optional<Path> modulesDir,
      ModelHosts models,
      StoreLimits moduleLimits) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ModuleStore modules = ModuleStore.open(modulesDir, registry, moduleLimits);
    LOG.info(
        "WebAssembly modules {}; {} loaded",
        modulesDir.map(d -> "stored in " + d).orElse("kept in memory only"),
        modules.size());
    MatmulEndpoints endpoints = endpoints(gemm, settings.limits(), registry);
    LlmRoutes llm = new LlmRoutes(models, registry, settings.limits().maxBodyBytes());
    GridServer.Config config =
        new GridServer.Config(
            settings,
            endpoints.routes(),
            Map.of(),
            Map.of(),
            registry,
            () -> true,
            Stream.of(
                    new ModuleRoutes(modules, settings.limits().maxBodyBytes()).routes(),
                    llm.routes(),
                    new SimRoutes(
                            new SimPartitions(SimPartitions.DEFAULT_MAX, EntityBudget.ofThisJvm()),
                            settings.limits().maxBodyBytes())
                        .routes())
                .flatMap(List::stream)
                .toList(),
            List.of());
    GridServer server;
    try {
      server = GridServer.start(config);
    } catch (RuntimeException e) {
      modules.close();
      models.close();
      throw e;
    }
    return new WorkerNode(server, modules, models, llm, settings.token());
  }

  /** Starts a worker without a token on {@code host:port} (port 0 picks a free one). */
  public static WorkerNode start(String host, int port, Limits limits, Gemm gemm) {
    return start(ServerSettings.open(host, port, limits), gemm);
  }

  /** The matmul routes of a worker, also used in-process by the embedded coordinator. */
  public static MatmulEndpoints endpoints(
      Gemm gemm, Limits limits, PrometheusMeterRegistry registry) {
    Gauge.builder("wasmgrid.matmul.backend", () -> 1)
        .description("The matmul kernel chosen at start-up (value is always 1)")
        .tag("backend", gemm.name())
        .tag("threads", Integer.toString(gemm.threads()))
        .register(registry);
    return new MatmulEndpoints(new MatmulService(gemm, registry), limits.maxDimension());
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
