package dev.wasmgrid.cli;

import dev.wasmgrid.grid.HttpWorkerClient;
import dev.wasmgrid.grid.WorkerClient;
import dev.wasmgrid.http.Reply;
import dev.wasmgrid.matmul.Dtype;
import dev.wasmgrid.matmul.Gemm;
import dev.wasmgrid.matmul.Matrix;
import dev.wasmgrid.matmul.RandomMatrices;
import dev.wasmgrid.matmul.wire.MatrixFrames;
import dev.wasmgrid.matmul.worker.MatmulEngine;
import dev.wasmgrid.matmul.worker.MatmulKernels;
import dev.wasmgrid.matmul.worker.WasmGemm;
import io.helidon.webclient.api.WebClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code wasmgrid matmul --n 1024}: one multiplication, locally or on a server. */
@Command(
    name = "matmul",
    mixinStandardHelpOptions = true,
    description = {
      "Multiply seeded random n x n matrices, locally or on --server.",
      "Prints the time, GFLOP/s and a checksum of the product."
    })
final class MatmulCommand implements Callable<Integer> {

  @Option(
      names = "--n",
      defaultValue = "1024",
      description = "Matrix size (default: ${DEFAULT-VALUE}).")
  int n;

  @Option(
      names = "--dtype",
      defaultValue = "f64",
      description = "f64 or f32 (default: ${DEFAULT-VALUE}).")
  String dtype;

  @Option(
      names = "--server",
      paramLabel = "URL",
      description = "Send the operands to this coordinator or worker (binary POST /v1/matmul).")
  URI server;

  @Option(
      names = "--mode",
      defaultValue = "auto",
      description =
          "With --server: auto, local (the coordinator's kernel) or distributed (split over its"
              + " workers) (default: ${DEFAULT-VALUE}).")
  String mode;

  @Option(
      names = "--engine",
      defaultValue = "jvm",
      description =
          "jvm (the fastest JVM kernel that proves correct here) or wasm (matmul.wasm in the wasm"
              + " host: f64 only, about 1 GFLOP/s, bit-equal to the reference kernel); with"
              + " --server, sent as ?engine= (default: ${DEFAULT-VALUE}).")
  String engine;

  @Option(
      names = "--job",
      description =
          "With --server: run it as a long job (POST /v1/jobs/matmul), showing its progress"
              + " (see --progress); timed once, without a warm-up.")
  boolean job;

  @Mixin ProgressOptions progress;

  @Option(
      names = "--seed",
      defaultValue = "42",
      description = "Seed of the random operands, so runs compare (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--token",
      defaultValue = "${env:WASMGRID_TOKEN}",
      description = "Token for --server (default: the WASMGRID_TOKEN environment variable).")
  String token;

  @Option(
      names = "--threads",
      description = "Threads for a local multiplication (default: all cores).")
  Integer threads;

  @Override
  public Integer call() throws IOException, InterruptedException {
    Dtype type = Dtype.parse(dtype);
    MatmulEngine kind = MatmulEngine.fromQuery(Map.of(MatmulEngine.PARAMETER, engine));
    if (kind == MatmulEngine.WASM && job) {
      throw new IllegalArgumentException("--engine wasm runs whole products; leave out --job");
    }
    Matrix a = RandomMatrices.of(type, n, n, seed);
    Matrix b = RandomMatrices.of(type, n, n, seed + 1);
    long start;
    Matrix c;
    String where;
    if (server == null) {
      Gemm gemm;
      if (kind == MatmulEngine.WASM) {
        WasmGemm wasm = new WasmGemm();
        if (type != Dtype.F64) {
          throw WasmGemm.unsupportedDtype();
        }
        wasm.check(n, n, n);
        gemm = wasm;
      } else {
        gemm =
            MatmulKernels.select(
                threads == null ? Runtime.getRuntime().availableProcessors() : threads);
      }
      Matrix.multiply(gemm, a, b); // warm-up: JIT compilation and native buffers are not timed
      start = System.nanoTime();
      c = Matrix.multiply(gemm, a, b);
      where =
          "local, "
              + gemm.name()
              + ", "
              + gemm.threads()
              + (gemm.threads() == 1 ? " thread" : " threads")
              + ", after one warm-up";
    } else if (job) {
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      start = System.nanoTime(); // submission to result: queueing and transfers included
      c = new JobFollower(http, server, token, System.out, progress.mode()).run(a, b, mode);
      where = server + ", as a job";
    } else {
      // The coordinator's worker client: its bulk path moves large bodies with the least CPU.
      WebClient http = HttpWorkerClient.newWebClient(Duration.ofSeconds(10));
      try {
        WorkerClient node =
            new HttpWorkerClient(
                server,
                http,
                Duration.ofMinutes(10),
                Optional.ofNullable(token).filter(t -> !t.isBlank()));
        remote(node, a, b); // warm-up: connection set-up and class loading are not timed
        start = System.nanoTime(); // the round trip, transfers included
        c = remote(node, a, b);
      } finally {
        http.closeResource();
      }
      where = server + ", after one warm-up";
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    double gflops = 2.0 * n * n * n / seconds / 1e9;
    System.out.printf(
        Locale.ROOT,
        "matmul n=%d %s (%s): %.3f s, %.2f GFLOP/s, checksum %.17g%n",
        n,
        type.wireName(),
        where,
        seconds,
        gflops,
        checksum(c));
    return 0;
  }

  private Matrix remote(WorkerClient node, Matrix a, Matrix b) throws IOException {
    Reply reply =
        node.call(
            "/v1/matmul?mode=" + mode + "&engine=" + engine,
            MatrixFrames.MEDIA_TYPE,
            WorkerClient.Body.of(MatrixFrames.encode(a, b)));
    if (reply.status() != 200) {
      throw new IOException(server + " answered " + reply.status() + ": " + reply.text());
    }
    return MatrixFrames.decode(reply.body(), Integer.MAX_VALUE, "C").getFirst();
  }

  /** The sum of all entries in double precision: equal across runs with the same kernel. */
  private static double checksum(Matrix c) {
    double sum = 0;
    for (int i = 0; i < c.rows(); i++) {
      for (int j = 0; j < c.cols(); j++) {
        sum += c.get(i, j);
      }
    }
    return sum;
  }
}
