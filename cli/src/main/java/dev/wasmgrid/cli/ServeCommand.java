package dev.wasmgrid.cli;

import dev.wasmgrid.coordinator.CoordinatorConfig;
import dev.wasmgrid.coordinator.CoordinatorNode;
import dev.wasmgrid.grid.discovery.DiscoverySettings;
import dev.wasmgrid.grid.discovery.WorkerSources;
import dev.wasmgrid.http.GridServer;
import dev.wasmgrid.llm.worker.ModelHosts;
import dev.wasmgrid.matmul.Gemm;
import dev.wasmgrid.matmul.jobs.JobSettings;
import dev.wasmgrid.matmul.worker.MatmulKernels;
import dev.wasmgrid.modules.worker.ModuleMaxima;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code wasmgrid serve}: the coordinator, with an in-process worker unless --workers is given. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = "Run the coordinator; with no flags, on an in-process worker.")
final class ServeCommand implements Callable<Integer> {

  @Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--port",
      defaultValue = "8080",
      description = "Port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--workers",
      split = ",",
      paramLabel = "SOURCE",
      description =
          "Where workers come from: http://HOST:PORT (static), dns:NAME:PORT (every address of"
              + " NAME, re-resolved), join (workers register with POST /v1/workers/join)."
              + " E.g. http://127.0.0.1:8081,dns:workers:8081,join.")
  List<String> workers = List.of();

  @Option(
      names = "--worker-timeout",
      defaultValue = "PT2M",
      description = "Longest a remote worker may take for one request (default: ${DEFAULT-VALUE}).")
  Duration workerTimeout;

  @Option(
      names = "--discovery-interval",
      defaultValue = "PT10S",
      description = "How often dns: workers are re-resolved (default: ${DEFAULT-VALUE}).")
  Duration discoveryInterval;

  @Option(
      names = "--heartbeat-interval",
      defaultValue = "PT3S",
      description =
          "Heartbeat interval asked of joined workers; one silent for 3 intervals is dropped"
              + " (default: ${DEFAULT-VALUE}).")
  Duration heartbeatInterval;

  @Option(
      names = "--probe-interval",
      defaultValue = "PT5S",
      description =
          "How often workers marked down are probed with GET /health/ready"
              + " (default: ${DEFAULT-VALUE}).")
  Duration probeInterval;

  @Option(
      names = "--down-after",
      defaultValue = "3",
      description =
          "Consecutive failed calls after which a worker is marked down (default: ${DEFAULT-VALUE}).")
  int downAfter;

  @Option(
      names = "--jobs-dir",
      paramLabel = "DIR",
      defaultValue = "${sys:user.home}/.wasmgrid/jobs",
      description =
          "Directory the records of /v1/jobs are kept in (state, shape, times, error; not C), so"
              + " that after a restart GET /v1/jobs/{id} says what became of a job (created when"
              + " missing); 'none' or empty keeps them in memory only (default: ${DEFAULT-VALUE}).")
  String jobsDir;

  @Mixin ServerOptions server;

  @Mixin ModelOptions models;

  @Mixin ProgressOptions progress;

  @Mixin ModuleLimitOptions moduleMaxima;

  @Override
  public Integer call() throws InterruptedException {
    // Before the kernel self-check, which takes seconds: a port taken fails at once.
    GridServer.checkListenable(server.host, port);
    WorkerSources sources;
    DiscoverySettings discovery;
    try {
      sources = WorkerSources.parse(workers);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--workers: " + e.getMessage(), e);
    }
    try {
      discovery =
          new DiscoverySettings(discoveryInterval, heartbeatInterval, probeInterval, downAfter);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    // With remote workers this kernel computes what no worker can take, instead of failing it.
    Gemm gemm = MatmulKernels.select(server.threads());
    if (!models.models.isEmpty() && !sources.inProcess()) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--model serves a model on the in-process worker; with --workers, give --model to the"
              + " workers (the coordinator relays to them)");
    }
    Optional<Path> jobs = StateDirectory.resolve(spec.commandLine(), "--jobs-dir", jobsDir);
    ModuleMaxima maxima = moduleMaxima.maxima(spec.commandLine());
    ModelHosts hosts = models.load(spec.commandLine(), server.threadsGiven(), progress.mode());
    CoordinatorNode node;
    try {
      node =
          CoordinatorNode.start(
              CoordinatorConfig.builder(server.settings(port), gemm)
                  .workers(sources)
                  .workerTimeout(workerTimeout)
                  .discovery(discovery)
                  .jobs(JobSettings.DEFAULTS)
                  .jobsDir(jobs)
                  .models(hosts)
                  .moduleMaxima(maxima)
                  .build());
    } catch (UncheckedIOException e) {
      hosts.close();
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--jobs-dir: " + e.getMessage(), e);
    }
    Serving.announce(
        "coordinator",
        server.host,
        node.port(),
        sources.inProcess()
            ? "in-process worker, matmul backend "
                + gemm.name()
                + (models.models.isEmpty() ? "" : "; language models " + models.models)
            : "workers "
                + String.join(",", workers)
                + "; GET /v1/workers lists them; local fallback "
                + gemm.name());
    Serving.awaitShutdown(node, server.drainTimeout);
    return 0;
  }
}
