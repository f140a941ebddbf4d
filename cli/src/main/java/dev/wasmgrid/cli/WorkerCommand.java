package dev.wasmgrid.cli;

import dev.wasmgrid.grid.discovery.WorkerUrl;
import dev.wasmgrid.http.GridServer;
import dev.wasmgrid.llm.worker.ModelHosts;
import dev.wasmgrid.matmul.Gemm;
import dev.wasmgrid.matmul.worker.MatmulKernels;
import dev.wasmgrid.modules.worker.StoreLimits;
import dev.wasmgrid.worker.CoordinatorLink;
import dev.wasmgrid.worker.WorkerConfig;
import dev.wasmgrid.worker.WorkerNode;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code wasmgrid worker --port 8081}: a remote worker, optionally joining a coordinator. */
@Command(
    name = "worker",
    mixinStandardHelpOptions = true,
    description = "Run a worker (POST /rpc and /v1/matmul) on --port.")
final class WorkerCommand implements Callable<Integer> {
  /** How often to retry while the coordinator cannot be reached. */
  private static final Duration JOIN_RETRY = Duration.ofSeconds(3);

  @Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--port",
      defaultValue = "8081",
      description = "Port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--join",
      paramLabel = "URL",
      description =
          "Coordinator to register with and send heartbeats to, e.g. http://coordinator:8080"
              + " (the coordinator needs --workers join).")
  String join;

  @Option(
      names = "--advertise",
      paramLabel = "URL",
      description =
          "URL the coordinator reaches this worker at (default: http://HOST:PORT, or this"
              + " machine's address when --host is 0.0.0.0).")
  String advertise;

  @Option(
      names = "--modules-dir",
      paramLabel = "DIR",
      defaultValue = "${sys:user.home}/.wasmgrid/modules",
      description =
          "Directory deployed WebAssembly modules are kept in, so they survive a restart (created"
              + " when missing); 'none' or empty keeps them in memory only (default:"
              + " ${DEFAULT-VALUE}).")
  String modulesDir;

  @Option(
      names = "--max-modules",
      defaultValue = "64",
      description =
          "Most WebAssembly modules deployed at once; one more name gets 409, replacing one by"
              + " name still works (default: ${DEFAULT-VALUE}).")
  int maxModules;

  @Option(
      names = "--max-compile-ms",
      defaultValue = "10000",
      description =
          "Longest a module may take to parse, validate and compile; past it the deployment"
              + " gets 422 (default: ${DEFAULT-VALUE}).")
  long maxCompileMs;

  @Mixin ModuleLimitOptions moduleMaxima;

  @Mixin ServerOptions server;

  @Mixin ModelOptions models;

  @Mixin ProgressOptions progress;

  @Override
  public Integer call() throws InterruptedException {
    // Before the kernel self-check, which takes seconds: a port taken fails at once.
    GridServer.checkListenable(server.host, port);
    URI coordinator = join == null ? null : url("--join", join);
    URI advertised = advertise == null ? null : url("--advertise", advertise);
    StoreLimits moduleLimits = storeLimits();
    Optional<Path> modules = modulesDir();
    Gemm gemm = MatmulKernels.select(server.threads());
    ModelHosts hosts = models.load(spec.commandLine(), server.threadsGiven(), progress.mode());
    WorkerNode node;
    try {
      node =
          WorkerConfig.builder(server.settings(port), gemm)
              .modulesDir(modules)
              .models(hosts)
              .moduleLimits(moduleLimits)
              .start();
    } catch (UncheckedIOException e) {
      hosts.close();
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--modules-dir: " + e.getMessage(), e);
    }
    String detail =
        "matmul backend "
            + gemm.name()
            + "; modules "
            + modules.map(d -> "in " + d).orElse("in memory only")
            + (models.models.isEmpty() ? "" : "; language models " + models.models);
    if (coordinator != null) {
      if (advertised == null) {
        advertised = CoordinatorLink.defaultAdvertise(server.host, node.port());
      }
      node.join(coordinator, advertised, JOIN_RETRY);
      detail += "; joining " + coordinator + " as " + advertised;
    }
    Serving.announce("worker", server.host, node.port(), detail);
    Serving.awaitShutdown(node, server.drainTimeout);
    return 0;
  }

  private StoreLimits storeLimits() {
    if (maxModules < 1) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--max-modules must be at least 1, not " + maxModules);
    }
    if (maxCompileMs < 1) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--max-compile-ms must be at least 1, not " + maxCompileMs);
    }
    return new StoreLimits(
        maxModules, Duration.ofMillis(maxCompileMs), moduleMaxima.maxima(spec.commandLine()));
  }

  /** The module directory, created and checked writable; empty for memory only. */
  Optional<Path> modulesDir() {
    return StateDirectory.resolve(spec.commandLine(), "--modules-dir", modulesDir);
  }

  private URI url(String option, String text) {
    try {
      return WorkerUrl.parse(text);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), option + ": " + e.getMessage(), e);
    }
  }
}
