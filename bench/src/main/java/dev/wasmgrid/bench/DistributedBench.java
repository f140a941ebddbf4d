package dev.wasmgrid.bench;

import dev.wasmgrid.grid.HttpWorkerClient;
import dev.wasmgrid.grid.WorkerClient;
import dev.wasmgrid.http.Reply;
import dev.wasmgrid.http.ServerTiming;
import dev.wasmgrid.matmul.Dtype;
import dev.wasmgrid.matmul.Gemm;
import dev.wasmgrid.matmul.GemmAccuracy;
import dev.wasmgrid.matmul.Matrix;
import dev.wasmgrid.matmul.RandomMatrices;
import dev.wasmgrid.matmul.coordinator.BlockPlan;
import dev.wasmgrid.matmul.coordinator.MatmulCoordinatorService;
import dev.wasmgrid.matmul.wire.MatrixFrames;
import io.helidon.webclient.api.WebClient;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Local vs distributed f64 products in one run: the local fast kernel on all cores (workers = 0),
 * then a coordinator process splitting over 1, 2, ... worker processes on loopback, all on the same
 * cores. {@code seconds}, {@code gflops} and {@code efficiency} time the product where it is
 * computed: locally, from operands in memory to C in memory; distributed, the same span at the
 * coordinator (its {@code Server-Timing: product}), which is the split, the tiles' transfers, the
 * workers' kernels and the gather. So efficiency measures the distribution protocol's overhead. The
 * client's own upload of A and B and download of C, the same whichever way the coordinator
 * computes, are in {@code client_seconds} and {@code efficiency_end_to_end}; the same coordinator
 * computing the product itself gives {@code efficiency_vs_served_local}. Each figure is the best of
 * {@value #RUNS} runs after untimed ones, as this machine is shared; every C is checked against the
 * in-process one.
 */
public final class DistributedBench {
  private static final String BENCH = "distributed";

  /** Untimed products first: a server runs for long, so its code is compiled and its heap grown. */
  private static final int WARM_UPS = 3;

  /** Timed runs of each way; the best counts, the least disturbed by other load. */
  private static final int RUNS = 3;

  /**
   * What to measure.
   *
   * @param sizes n of the n×n×n products
   * @param workerCounts 0 for local, else the number of worker processes
   */
  public record Options(List<Integer> sizes, List<Integer> workerCounts, long seed) {
    public Options {
      sizes = List.copyOf(sizes);
      workerCounts = List.copyOf(workerCounts);
    }
  }

  private DistributedBench() {}

  /**
   * Runs the scenario.
   *
   * @param local the kernel for workers = 0 (the one a worker would choose)
   * @param launcher how to start a wasmgrid node process (see {@link LocalCluster#sameJvm})
   */
  public static void run(Options options, Gemm local, List<String> launcher, BenchReport report)
      throws IOException, InterruptedException {
    Map<Integer, LocalRuns> locals = new LinkedHashMap<>();
    for (int n : options.sizes()) {
      report.progress("distributed n=" + n + " local ...");
      LocalRuns runs = new LocalRuns(local, n, options.seed());
      for (int run = 0; run < RUNS; run++) {
        runs.measure();
      }
      locals.put(n, runs);
    }
    double loopback = Double.NaN;
    if (options.workerCounts().stream().anyMatch(w -> w > 0)) {
      report.progress("distributed: raw loopback bandwidth ...");
      loopback = LoopbackProbe.bytesPerSecond(256L << 20, 3);
      report.metric(BENCH, Map.of(), "loopback_mbps", loopback / 1e6, "MB/s");
    }
    // The client the coordinator uses for its workers, whose bulk path sends the operands: on this
    // machine the JDK's HttpClient uploads a 256 MB body at ~100 MB/s, which would dominate.
    WebClient http = HttpWorkerClient.newWebClient(Duration.ofSeconds(10));
    for (int workers : options.workerCounts()) {
      if (workers == 0) {
        continue;
      }
      try (LocalCluster cluster = new LocalCluster(launcher)) {
        report.progress("distributed: starting " + workers + " worker processes ...");
        List<String> urls = new ArrayList<>();
        // Workers share the cores the local run had, rather than each spinning up threads for all.
        String threads =
            Integer.toString(Math.max(1, Runtime.getRuntime().availableProcessors() / workers));
        for (int i = 0; i < workers; i++) {
          List<String> worker = new ArrayList<>(List.of(nodeArgs("worker")));
          worker.addAll(List.of("--threads", threads));
          urls.add(cluster.start(worker.toArray(String[]::new)).url());
        }
        List<String> serve = new ArrayList<>(List.of(nodeArgs("serve")));
        serve.addAll(List.of("--worker-timeout", "PT10M", "--workers", String.join(",", urls)));
        WorkerClient coordinator =
            new HttpWorkerClient(
                URI.create(cluster.start(serve.toArray(String[]::new)).url()),
                http,
                Duration.ofMinutes(10),
                Optional.empty());
        for (int n : options.sizes()) {
          report.progress("distributed n=" + n + " workers=" + workers + " ...");
          LocalRuns localRuns = locals.get(n);
          byte[] body = MatrixFrames.encode(localRuns.a, localRuns.b);
          for (int i = 0; i < WARM_UPS; i++) {
            post(coordinator, body, "distributed"); // JIT, connections, buffers
          }
          Best product = new Best();
          Best client = new Best();
          for (int run = 0; run < RUNS; run++) {
            // Interleaved, so that both ways see the same load from the rest of the machine.
            localRuns.measure();
            Duration cpuBefore = cluster.cpuTime();
            long start = System.nanoTime();
            Served served = post(coordinator, body, "distributed");
            client.add((System.nanoTime() - start) / 1e9, 0);
            product.add(served.productSeconds(), seconds(cluster.cpuTime().minus(cpuBefore)));
            check(served.c(), localRuns.c, n);
          }
          // The same request computed by the coordinator itself: the client's transfers are in
          // both, so this ratio is what splitting over the workers costs or gains end to end.
          Best servedLocal = new Best();
          for (int run = 0; run < RUNS; run++) {
            long start = System.nanoTime();
            check(post(coordinator, body, "local").c(), localRuns.c, n);
            servedLocal.add((System.nanoTime() - start) / 1e9, 0);
          }
          long tileBytes =
              MatrixFrames.HEADER_BYTES
                  + BlockPlan.of(n, n, n, workers * MatmulCoordinatorService.TILES_PER_WORKER)
                      .bytesMoved(8);
          double localTime = localRuns.best.seconds;
          emit(report, n, workers, product.seconds, tileBytes, localTime / product.seconds);
          // Even a protocol that only ever copied bytes at the raw loopback rate, with no overlap,
          // could not beat this: the cores that compute are the cores that copy.
          report.metric(
              BENCH,
              params(n, workers),
              "efficiency_ceiling",
              localTime / (localTime + tileBytes / loopback),
              "x");
          // All processes' CPU, client included: where wall time is lost to copies rather than
          // to waiting, this grows with it (and it is less disturbed by other load than time).
          report.metric(BENCH, params(n, workers), "cpu_seconds", product.cpuSeconds, "s");
          report.metric(
              BENCH,
              params(n, workers),
              "cpu_efficiency",
              localRuns.best.cpuSeconds / product.cpuSeconds,
              "x");
          report.metric(BENCH, params(n, workers), "client_seconds", client.seconds, "s");
          report.metric(
              BENCH,
              params(n, workers),
              "client_bytes_moved",
              (double) body.length + MatrixFrames.HEADER_BYTES + 8L * n * n,
              "B");
          report.metric(
              BENCH, params(n, workers), "efficiency_end_to_end", localTime / client.seconds, "x");
          report.metric(
              BENCH,
              params(n, workers),
              "efficiency_vs_served_local",
              servedLocal.seconds / client.seconds,
              "x");
        }
      }
    }
    if (options.workerCounts().contains(0)) {
      for (LocalRuns runs : locals.values()) {
        emit(report, runs.n, 0, runs.best.seconds, 0, 1.0);
        report.metric(BENCH, params(runs.n, 0), "cpu_seconds", runs.best.cpuSeconds, "s");
      }
    }
  }

  /** The in-process product of one size, and its best run so far. */
  private static final class LocalRuns {
    final Gemm gemm;
    final int n;
    final Matrix a;
    final Matrix b;
    final Matrix c;
    final Best best = new Best();

    LocalRuns(Gemm gemm, int n, long seed) {
      this.gemm = gemm;
      this.n = n;
      this.a = RandomMatrices.of(Dtype.F64, n, n, seed);
      this.b = RandomMatrices.of(Dtype.F64, n, n, seed + 1);
      this.c = Matrix.multiply(gemm, a, b); // untimed: compiles, and fills the native buffers
    }

    void measure() {
      Duration cpuBefore = ownCpu();
      long start = System.nanoTime();
      Matrix.multiply(gemm, a, b);
      best.add((System.nanoTime() - start) / 1e9, seconds(ownCpu().minus(cpuBefore)));
    }
  }

  /** The fastest of several runs, with the CPU time that run took. */
  private static final class Best {
    double seconds = Double.POSITIVE_INFINITY;
    double cpuSeconds = Double.NaN;

    void add(double runSeconds, double runCpuSeconds) {
      if (runSeconds < seconds) {
        seconds = runSeconds;
        cpuSeconds = runCpuSeconds;
      }
    }
  }

  /** A coordinator's answer: C, and how long the coordinator took to compute it. */
  private record Served(Matrix c, double productSeconds) {}

  private static Duration ownCpu() {
    return ProcessHandle.current().info().totalCpuDuration().orElse(Duration.ZERO);
  }

  private static double seconds(Duration duration) {
    return duration.toNanos() / 1e9;
  }

  private static String[] nodeArgs(String role) {
    // The default limits admit every size it measures: a binary body follows --max-dim.
    return new String[] {role, "--host", "127.0.0.1", "--port", "0"};
  }

  private static void emit(
      BenchReport report, int n, int workers, double seconds, long bytes, double efficiency) {
    Map<String, Object> params = params(n, workers);
    report.metric(BENCH, params, "gflops", flops(n) / seconds / 1e9, "GFLOP/s");
    report.metric(BENCH, params, "seconds", seconds, "s");
    report.metric(BENCH, params, "bytes_moved", (double) bytes, "B");
    report.metric(BENCH, params, "efficiency", efficiency, "x");
  }

  private static Map<String, Object> params(int n, int workers) {
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("n", n);
    params.put("workers", workers);
    return params;
  }

  private static Served post(WorkerClient coordinator, byte[] body, String mode)
      throws IOException {
    // Forced: auto would soon prefer the faster way, and each measurement is of one way.
    Reply reply =
        coordinator.call(
            "/v1/matmul?mode=" + mode, MatrixFrames.MEDIA_TYPE, WorkerClient.Body.of(body));
    if (reply.status() != 200) {
      throw new IOException("coordinator answered " + reply.status() + ": " + reply.text());
    }
    String timing = reply.headers().getOrDefault(ServerTiming.HEADER, "");
    long nanos =
        ServerTiming.parse(timing, ServerTiming.PRODUCT)
            .orElseThrow(
                () -> new IOException("the coordinator's answer has no product time: " + timing));
    return new Served(
        MatrixFrames.decode(reply.body(), Integer.MAX_VALUE, "C").getFirst(), nanos / 1e9);
  }

  /**
   * Checks C against the local product within the rounding bound: operands lie in [-1, 1), so
   * (|A|·|B|)_ij ≤ n and two summation orders differ by at most 2·n·u·n.
   */
  private static void check(Matrix c, Matrix expected, int n) {
    double bound = GemmAccuracy.tolerance(Dtype.F64, n, n);
    double[] got = ((Matrix.F64) c).data();
    double[] want = ((Matrix.F64) expected).data();
    for (int i = 0; i < want.length; i++) {
      if (!(Math.abs(got[i] - want[i]) <= bound)) {
        throw new IllegalStateException(
            "distributed C["
                + i / n
                + "]["
                + i % n
                + "] = "
                + got[i]
                + " but local gives "
                + want[i]);
      }
    }
  }

  private static double flops(int n) {
    return 2.0 * n * n * n;
  }
}
