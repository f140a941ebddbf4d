package dev.wasmgrid.coordinator;

import dev.wasmgrid.grid.HealthProbe;
import dev.wasmgrid.grid.HttpWorkerClient;
import dev.wasmgrid.grid.LocalWorkerClient;
import dev.wasmgrid.grid.WorkerClient;
import dev.wasmgrid.grid.WorkerPool;
import dev.wasmgrid.grid.WorkerState;
import dev.wasmgrid.grid.WorkerStatus;
import dev.wasmgrid.grid.WorkersService;
import dev.wasmgrid.grid.discovery.DiscoverySettings;
import dev.wasmgrid.grid.discovery.JoinRegistry;
import dev.wasmgrid.grid.discovery.Membership;
import dev.wasmgrid.grid.discovery.WorkerSources;
import dev.wasmgrid.http.Drainable;
import dev.wasmgrid.http.GridServer;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.RouteTable;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.http.Service;
import dev.wasmgrid.llm.coordinator.CoordinatorLlm;
import dev.wasmgrid.matmul.Gemm;
import dev.wasmgrid.matmul.coordinator.MatmulCoordinatorService;
import dev.wasmgrid.matmul.coordinator.MatmulPolicy;
import dev.wasmgrid.matmul.coordinator.MatmulRunner;
import dev.wasmgrid.matmul.jobs.JobService;
import dev.wasmgrid.matmul.jobs.MatmulJobs;
import dev.wasmgrid.modules.coordinator.ModuleCoordinatorService;
import dev.wasmgrid.modules.worker.StoreLimits;
import dev.wasmgrid.sim.coordinator.SimHost;
import dev.wasmgrid.sim.coordinator.WorkerSimHost;
import dev.wasmgrid.sim.live.LiveSimService;
import dev.wasmgrid.sim.live.SimLimits;
import dev.wasmgrid.worker.WorkerServices;
import io.helidon.webclient.api.WebClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
  private final Optional<WorkerServices> inProcessWorker;
  private final LiveSimService sims;

  private CoordinatorNode(
      GridServer server,
      WorkerPool pool,
      ScheduledExecutorService scheduler,
      WebClient http,
      MatmulJobs jobs,
      Optional<WorkerServices> inProcessWorker,
      LiveSimService sims) {
    this.server = server;
    this.pool = pool;
    this.scheduler = scheduler;
    this.http = http;
    this.jobs = jobs;
    this.inProcessWorker = inProcessWorker;
    this.sims = sims;
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
    return CoordinatorConfig.builder(server, localGemm)
        .workers(WorkerSources.parse(workers.stream().map(URI::toString).toList()))
        .workerTimeout(workerTimeout)
        .start();
  }

  /** Starts a coordinator; static and DNS workers are resolved before it listens. */
  public static CoordinatorNode start(CoordinatorConfig config) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    DiscoverySettings settings = config.discovery();
    Limits limits = config.server().limits();
    long maxBody = limits.maxBodyBytes();
    boolean inProcess = config.workers().inProcess();
    WorkerPool pool = new WorkerPool(settings.downAfter(), InstantSource.system());
    // The in-process worker serves what a remote one serves, through the same routes; with remote
    // workers, the coordinator's own kernel only takes products no worker could.
    Optional<WorkerServices> inProcessWorker =
        inProcess
            ? Optional.of(
                WorkerServices.open(
                    config.localGemm(),
                    limits,
                    registry,
                    Optional.empty(),
                    new StoreLimits(
                        StoreLimits.DEFAULTS.maxModules(),
                        StoreLimits.DEFAULTS.maxCompile(),
                        config.moduleMaxima()),
                    config.models()))
            : Optional.empty();
    Optional<WorkerClient> fallback =
        inProcess
            ? Optional.empty()
            : Optional.ofNullable(config.localGemm())
                .map(
                    gemm ->
                        new LocalWorkerClient(
                            RouteTable.of(List.of(WorkerServices.matmul(gemm, limits, registry)))));
    inProcessWorker.ifPresent(
        worker -> pool.add(new LocalWorkerClient(RouteTable.of(worker.list())), "in-process"));
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
    MatmulRunner runner = new MatmulRunner(pool, !inProcess, fallback, policy);
    MatmulJobs jobs =
        config.jobsDir().isPresent()
            ? new MatmulJobs(runner, config.jobs(), config.jobsDir().get())
            : new MatmulJobs(runner, config.jobs());
    // Lookups evict too; this sweep frees the results of a coordinator nobody asks.
    every(scheduler, Duration.ofMinutes(1), "job eviction", jobs::evict);
    ModuleCoordinatorService modules =
        new ModuleCoordinatorService(pool::workers, registry, maxBody);
    // Workers that joined or came back get the modules within one probe interval.
    every(scheduler, settings.probeInterval(), "module reconciliation", modules::reconcile);
    CoordinatorLlm llm =
        new CoordinatorLlm(
            pool::workers,
            () ->
                pool.statuses().stream()
                    .filter(w -> w.state() == WorkerState.UNAUTHORIZED)
                    .map(WorkerStatus::url)
                    .toList(),
            maxBody,
            CoordinatorLlm.DEFAULT_MAX_RELAYS);
    every(scheduler, settings.probeInterval(), "model catalogue", llm::refresh);
    LiveSimService sims =
        new LiveSimService(
            SimLimits.DEFAULTS,
            () -> pool.workers().stream().<SimHost>map(WorkerSimHost::new).toList());
    List<Service> services =
        List.of(
            new MatmulCoordinatorService(runner, policy, limits.maxDimension()),
            new WorkersService(pool, membership, settings),
            new JobService(jobs, limits.maxDimension()),
            modules,
            llm,
            sims,
            new WebAppService(WebAppService.CLASSPATH_ROOT));
    GridServer server;
    try {
      server =
          GridServer.start(new GridServer.Config(config.server(), registry, () -> true, services));
    } catch (RuntimeException e) {
      jobs.close();
      sims.close();
      scheduler.shutdownNow();
      http.closeResource();
      inProcessWorker.ifPresent(WorkerServices::close);
      throw e;
    }
    return new CoordinatorNode(server, pool, scheduler, http, jobs, inProcessWorker, sims);
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
    inProcessWorker.ifPresent(WorkerServices::close);
  }
}
