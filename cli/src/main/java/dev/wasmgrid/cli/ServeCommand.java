package dev.wasmgrid.cli;

import dev.wasmgrid.coordinator.CoordinatorNode;
import dev.wasmgrid.matmul.Gemm;
import dev.wasmgrid.worker.MatmulKernels;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code wasmgrid serve}: the coordinator, with an in-process worker unless --workers is given. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = "Run the coordinator; with no flags, on an in-process worker.")
final class ServeCommand implements Callable<Integer> {

  @Option(
      names = "--port",
      defaultValue = "8080",
      description = "Port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--workers",
      split = ",",
      paramLabel = "URL",
      description = "Remote workers, e.g. http://127.0.0.1:8081,http://127.0.0.1:8082.")
  List<URI> workers = List.of();

  @Option(
      names = "--worker-timeout",
      defaultValue = "PT2M",
      description = "Longest a remote worker may take for one request (default: ${DEFAULT-VALUE}).")
  Duration workerTimeout;

  @Mixin ServerOptions server;

  @Override
  public Integer call() throws InterruptedException {
    for (URI worker : workers) {
      if (!"http".equals(worker.getScheme()) || worker.getHost() == null) {
        throw new picocli.CommandLine.ParameterException(
            new picocli.CommandLine(this), "--workers: '" + worker + "' is not an http:// URL");
      }
    }
    Gemm gemm = workers.isEmpty() ? MatmulKernels.select(server.threads()) : null;
    CoordinatorNode node =
        CoordinatorNode.start(server.settings(port), workers, workerTimeout, gemm);
    Serving.announce(
        "coordinator",
        server.host,
        node.port(),
        workers.isEmpty()
            ? "in-process worker, matmul backend " + gemm.name()
            : "workers " + String.join(", ", node.workerNames()));
    Serving.awaitShutdown(node);
    return 0;
  }
}
