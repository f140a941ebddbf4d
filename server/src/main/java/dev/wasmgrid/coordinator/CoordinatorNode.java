package dev.wasmgrid.coordinator;

import dev.wasmgrid.grid.HealthProbe;
import dev.wasmgrid.grid.HttpWorkerClient;
import dev.wasmgrid.grid.LocalWorkerClient;
import dev.wasmgrid.grid.WorkerClient;
import dev.wasmgrid.grid.WorkerListing;
import dev.wasmgrid.grid.WorkerPool;
import dev.wasmgrid.grid.WorkerState;
import dev.wasmgrid.grid.WorkerStatus;
import dev.wasmgrid.grid.discovery.DiscoverySettings;
import dev.wasmgrid.grid.discovery.JoinEndpoint;
import dev.wasmgrid.grid.discovery.JoinRegistry;
import dev.wasmgrid.grid.discovery.Membership;
import dev.wasmgrid.grid.discovery.WorkerSources;
import dev.wasmgrid.http.Drainable;
import dev.wasmgrid.http.Endpoint;
import dev.wasmgrid.http.GridServer;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.Route;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.llm.coordinator.CoordinatorLlm;
import dev.wasmgrid.llm.worker.ModelHosts;
import dev.wasmgrid.matmul.Gemm;
import dev.wasmgrid.matmul.coordinator.CoordinatorEndpoints;
import dev.wasmgrid.matmul.coordinator.MatmulPolicy;
import dev.wasmgrid.matmul.coordinator.MatmulRunner;
import dev.wasmgrid.matmul.jobs.JobEndpoints;
import dev.wasmgrid.matmul.jobs.JobSettings;
import dev.wasmgrid.matmul.jobs.MatmulJobs;
import dev.wasmgrid.modules.coordinator.CoordinatorModules;
import dev.wasmgrid.modules.worker.ModuleRoutes;
import dev.wasmgrid.modules.worker.ModuleStore;
import dev.wasmgrid.modules.worker.StoreLimits;
import dev.wasmgrid.sim.coordinator.HttpSimHost;
import dev.wasmgrid.sim.coordinator.LocalSimHost;
import dev.wasmgrid.sim.coordinator.SimHost;
import dev.wasmgrid.sim.live.SimApi;
import dev.wasmgrid.sim.live.SimLimits;
import dev.wasmgrid.worker.WorkerNode;
import io.helidon.webclient.api.WebClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running coordinator: the public routes, placing work on discovered workers or, with none given,
 * on an in-process worker (the embedded default), the long jobs of {@code /v1/jobs} and the
 * WebAssembly modules of {@code /v1/modules} (the in-process worker's, or distributed over the
 * remote workers). Discovery, heartbeat expiry, health probes and job eviction run on a scheduler
 * the node owns and stops on {@link #close()}.
 */
public final class CoordinatorNode implements Drainable {
  private static final Logger LOG = LoggerFactory.getLogger(CoordinatorNode.class);
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);

  /** How long the event streams of jobs failed at the end of a drain get to say so. */
  private static final Duration FINAL_EVENTS = Duration.ofSeconds(1);

  private final GridServer server;
  private final WorkerPool pool;
  private final ScheduledExecutorService scheduler;
  private final WebClient http;
  private final MatmulJobs jobs;
  private final Optional<ModuleStore> localModules;
  private final CoordinatorLlm llm;
  private final SimApi sims;

  private CoordinatorNode(
      GridServer server,
      WorkerPool pool,
      ScheduledExecutorService scheduler,
      WebClient http,
      MatmulJobs jobs,
      Optional<ModuleStore> localModules,
      CoordinatorLlm llm,
      SimApi sims) {
    this.server = server;
    this.pool = pool;
    this.scheduler = scheduler;
    this.http = http;
    this.jobs = jobs;
    this.localModules = localModules;
    this.llm = llm;
    this.sims = sims;
  }

  /**
   * What a coordinator needs to start.
   *
   * @param server where to listen, limits, and the token, which is also sent to the workers
   * @param workers where workers come from; {@link WorkerSources#inProcess()} for the in-process
   *     one
   * @param workerTimeout how long one call to a remote worker may take
   * @param localGemm the in-process worker's kernel; with remote workers, the kernel for work no
   *     worker can take (null for none: such work then fails with 503)
   * @param jobs limits of the long-job API
   * @param jobsDir where the jobs' records are kept, so that a restarted coordinator can say what
   *     became of them; empty to keep them in memory only
   */
  public record Config(
      ServerSettings server,
      WorkerSources workers,
      Duration workerTimeout,
      DiscoverySettings discovery,
      Gemm localGemm,
      JobSettings jobs,
      Optional<Path> jobsDir) {

    /** A coordinator keeping its jobs in memory only. */
    public Config(
        ServerSettings server,
        WorkerSources workers,
        Duration workerTimeout,
        DiscoverySettings discovery,
        Gemm localGemm,
        JobSettings jobs) {
      this(server, workers, workerTimeout, discovery, localGemm, jobs, Optional.empty());
    }

    /** A coordinator with the default job limits. */
    public Config(
        ServerSettings server,
        WorkerSources workers,
        Duration workerTimeout,
        DiscoverySettings discovery,
        Gemm localGemm) {
      this(server, workers, workerTimeout, discovery, localGemm, JobSettings.DEFAULTS);
    }
  }

  /**
   * Starts a coordinator on static workers.
   *
   * @param server where to listen, limits, and the token, which is also sent to the workers
   * @param workers base URLs of remote workers; empty for an in-process worker computing with
   *     {@code localGemm}
   * @param workerTimeout how long one call to a remote worker may take
   */
  public static CoordinatorNode start(
      ServerSettings server, List<URI> workers, Duration workerTimeout, Gemm localGemm) {
    return start(
        new Config(
            server,
            WorkerSources.parse(workers.stream().map(URI::toString).toList()),
            workerTimeout,
            DiscoverySettings.DEFAULTS,
            localGemm));
  }

  /** Starts a coordinator; static and DNS workers are resolved before it listens. */
  public static CoordinatorNode start(Config config) {
    return start(config, ModelHosts.none());
  }

  /**
   * As {@link #start(Config)}; the in-process worker serves {@code models} (which stay the caller's
   * to close), and with remote workers language-model requests are relayed to them.
   */
  public static CoordinatorNode start(Config config, ModelHosts models) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    DiscoverySettings settings = config.discovery();
    Limits limits = config.server().limits();
    WorkerPool pool = new WorkerPool(settings.downAfter(), InstantSource.system());
    Optional<WorkerClient> local =
        Optional.ofNullable(config.localGemm())
            .map(
                gemm ->
                    new LocalWorkerClient(WorkerNode.endpoints(gemm, limits, registry).routes()));
    if (config.workers().inProcess()) {
      pool.add(local.orElseThrow(), "in-process");
    }
    WebClient http = HttpWorkerClient.newWebClient(Duration.ofSeconds(5));
    JoinRegistry joins =
        config.workers().acceptJoins()
            ? new JoinRegistry(settings.heartbeatTimeout(), InstantSource.system())
            : null;
    Membership membership =
        new Membership(
            pool,
            config.workers().polled(),
            joins,
            url ->
                new HttpWorkerClient(url, http, config.workerTimeout(), config.server().token()));
    membership.refreshPolled();

    ScheduledExecutorService scheduler =
        Executors.newScheduledThreadPool(
            2, Thread.ofPlatform().name("wasmgrid-discovery-", 0).daemon().factory());
    every(scheduler, settings.discoveryInterval(), "discovery", membership::refreshPolled);
    every(scheduler, settings.heartbeatInterval(), "heartbeat expiry", membership::expireJoins);
    every(
        scheduler, settings.probeInterval(), "health probe", new HealthProbe(pool, PROBE_TIMEOUT));

    MatmulPolicy policy = new MatmulPolicy();
    MatmulRunner runner =
        new MatmulRunner(
            pool,
            !config.workers().inProcess(),
            // The in-process worker is in the pool already; only remote pools fall back.
            config.workers().inProcess() ? Optional.empty() : local,
            policy);
    Map<String, Endpoint> routes =
        new HashMap<>(new CoordinatorEndpoints(runner, limits.maxDimension()).routes());
    routes.put("/v1/workers/join", new JoinEndpoint(membership, settings));
    MatmulJobs jobs =
        config.jobsDir().isPresent()
            ? new MatmulJobs(runner, config.jobs(), config.jobsDir().get())
            : new MatmulJobs(runner, config.jobs());
    JobEndpoints jobRoutes = new JobEndpoints(jobs, limits.maxDimension());
    routes.put(JobEndpoints.SUBMIT, jobRoutes.submit());
    // Lookups evict too; this sweep frees the results of a coordinator nobody asks.
    every(scheduler, Duration.ofMinutes(1), "job eviction", jobs::evict);
    List<Route> moduleRoutes;
    Optional<ModuleStore> localModules;
    if (config.workers().inProcess()) {
      // The in-process worker's modules are served by the worker's own routes, in memory.
      localModules =
          Optional.of(ModuleStore.open(Optional.empty(), registry, StoreLimits.DEFAULTS));
      moduleRoutes = new ModuleRoutes(localModules.get(), limits.maxBodyBytes()).routes();
    } else {
      localModules = Optional.empty();
      CoordinatorModules modules =
          new CoordinatorModules(pool::workers, registry, limits.maxBodyBytes());
      // Workers that joined or came back get the modules within one probe interval.
      every(scheduler, settings.probeInterval(), "module reconciliation", modules::reconcile);
      moduleRoutes = modules.routes();
    }
    CoordinatorLlm llm =
        config.workers().inProcess()
            ? CoordinatorLlm.inProcess(models, registry, limits.maxBodyBytes())
            : CoordinatorLlm.relay(
                pool::workers,
                () ->
                    pool.statuses().stream()
                        .filter(w -> w.state() == WorkerState.UNAUTHORIZED)
                        .map(WorkerStatus::url)
                        .toList(),
                config.server().token(),
                config.workerTimeout(),
                limits.maxBodyBytes(),
                CoordinatorLlm.DEFAULT_MAX_RELAYS);
    every(scheduler, settings.probeInterval(), "model catalogue", llm::refresh);
    SimApi sims =
        new SimApi(
            SimLimits.DEFAULTS,
            () ->
                config.workers().inProcess()
                    ? List.<SimHost>of(new LocalSimHost())
                    : pool.workers().stream().<SimHost>map(HttpSimHost::new).toList());
    routes.put(SimApi.PATH, sims.start());
    GridServer.Config serverConfig =
        new GridServer.Config(
            config.server(),
            routes,
            Map.of(
                "/v1/workers",
                new WorkerListing(pool),
                "/v1/config/matmul",
                policy.view(),
                JobEndpoints.LIST,
                jobRoutes.list(),
                SimApi.PATH,
                sims.list()),
            Map.of("/v1/config/matmul", policy.update()),
            registry,
            () -> true,
            Stream.of(jobRoutes.routes(), moduleRoutes, llm.routes(), sims.routes())
                .flatMap(List::stream)
                .toList(),
            new WebApp(WebApp.CLASSPATH_ROOT).routes(),
            List.of(sims.frames()));
    GridServer server;
    try {
      server = GridServer.start(serverConfig);
    } catch (RuntimeException e) {
      jobs.close();
      sims.close();
      scheduler.shutdownNow();
      http.closeResource();
      llm.close();
      localModules.ifPresent(ModuleStore::close);
      throw e;
    }
    return new CoordinatorNode(server, pool, scheduler, http, jobs, localModules, llm, sims);
  }

  private static void every(
      ScheduledExecutorService scheduler, Duration period, String what, Runnable task) {
    long millis = period.toMillis();
    // The task catches its own exceptions and shutdownNow() cancels it, so the future adds nothing.
    var unused =
        scheduler.scheduleWithFixedDelay(
            () -> {
              try {
                task.run();
              } catch (RuntimeException e) {
                // An exception would cancel the periodic task for good; log it and go on.
                LOG.warn("{} failed; trying again in {}", what, period, e);
              }
            },
            millis,
            millis,
            TimeUnit.MILLISECONDS);
  }

  /** The port the coordinator listens on. */
  public int port() {
    return server.port();
  }

  /** Where work goes now, for the start-up log. */
  public List<String> workerNames() {
    return pool.workers().stream().map(WorkerClient::name).toList();
  }

  /**
   * Readiness goes false and new requests get 503 {@code shutting_down}; the jobs queued or running
   * and the requests in service (products, generations, event streams) get up to {@code grace} to
   * finish, and the clients of jobs that finished meanwhile to fetch their results (reads of jobs
   * are still served). Jobs still unfinished then are failed by {@link #close()}.
   */
  @Override
  public void drain(Duration grace) throws InterruptedException {
    Instant start = Instant.now();
    Instant deadline = start.plus(grace);
    server.drain();
    // Jobs first: their event streams are requests in service until the jobs end.
    long jobsLeft = jobs.awaitFinished(deadline);
    if (jobsLeft > 0) {
      LOG.warn("{} jobs still unfinished after {}; failing them", jobsLeft, grace);
      jobs.abandon();
      // Their event streams now send the final event and end; give them the moment it takes.
      deadline = max(deadline, Instant.now().plus(FINAL_EVENTS));
    } else if (jobs.awaitFetched(start, deadline) > 0) {
      LOG.warn("results of jobs finished while stopping were not all fetched within {}", grace);
    }
    int requestsLeft = server.awaitRequests(deadline);
    if (requestsLeft > 0) {
      LOG.warn("{} requests still in service after {}; stopping anyway", requestsLeft, grace);
    }
  }

  private static Instant max(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }

  @Override
  public void close() {
    // Jobs first: cancelling them ends their event streams, which the server would wait for.
    jobs.close();
    sims.close();
    server.close();
    scheduler.shutdownNow();
    try {
      if (!scheduler.awaitTermination(10, TimeUnit.SECONDS)) {
        LOG.warn("discovery tasks still running after 10 s; leaving them");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    http.closeResource();
    llm.close();
    localModules.ifPresent(ModuleStore::close);
  }
}
