package dev.wasmgrid.cli;

import dev.wasmgrid.matmul.Gemm;
import dev.wasmgrid.worker.MatmulKernels;
import dev.wasmgrid.worker.WorkerNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code wasmgrid worker --port 8081}: a remote worker. */
@Command(
    name = "worker",
    mixinStandardHelpOptions = true,
    description = "Run a worker (POST /rpc and /v1/matmul) on --port.")
final class WorkerCommand implements Callable<Integer> {

  @Option(
      names = "--port",
      defaultValue = "8081",
      description = "Port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Mixin ServerOptions server;

  @Override
  public Integer call() throws InterruptedException {
    Gemm gemm = MatmulKernels.select(server.threads());
    WorkerNode node = WorkerNode.start(server.settings(port), gemm);
    Serving.announce("worker", server.host, node.port(), "matmul backend " + gemm.name());
    Serving.awaitShutdown(node);
    return 0;
  }
}
