package dev.wasmgrid.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The seed's 2×2 request sent straight to a worker process and through a coordinator process in
 * front of it, in one run: p50/p99 latency of sequential requests, then requests per second with
 * concurrent clients for a fixed time. Every answer is checked.
 */
public final class RpcBench {
  private static final String BENCH = "rpc";
  static final String SEED =
      "{\"meta\":[{\"name\":\"method\",\"value\":\"multiply\"}],"
          + "\"content\":\"{\\\"A\\\":\\\"[[1,2],[3,4]]\\\",\\\"B\\\":\\\"[[5,6],[7,8]]\\\"}\"}";
  private static final String ANSWER = "[[19,22],[43,50]]";

  /**
   * What to measure.
   *
   * @param samples sequential requests timed for the latency percentiles (after as many warm-up)
   * @param clients concurrent clients of the throughput phase
   * @param duration length of the throughput phase per path
   */
  public record Options(int samples, int clients, Duration duration) {}

  private RpcBench() {}

  /** Runs the scenario; {@code launcher} starts node processes (see {@link LocalCluster}). */
  public static void run(Options options, List<String> launcher, BenchReport report)
      throws IOException, InterruptedException {
    try (LocalCluster cluster = new LocalCluster(launcher)) {
      report.progress("rpc: starting a worker and a coordinator ...");
      LocalCluster.Node worker = cluster.start("worker", "--host", "127.0.0.1", "--port", "0");
      LocalCluster.Node coordinator =
          cluster.start("serve", "--host", "127.0.0.1", "--port", "0", "--workers", worker.url());
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      Map<String, String> paths = new LinkedHashMap<>();
      paths.put("direct", worker.url());
      paths.put("coordinator", coordinator.url());
      for (Map.Entry<String, String> path : paths.entrySet()) {
        HttpRequest request =
            HttpRequest.newBuilder(URI.create(path.getValue() + "/rpc"))
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(SEED, StandardCharsets.UTF_8))
                .build();
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("path", path.getKey());
        report.progress("rpc " + path.getKey() + ": latency ...");
        for (int i = 0; i < options.samples(); i++) {
          call(http, request);
        }
        long[] nanos = new long[options.samples()];
        for (int i = 0; i < nanos.length; i++) {
          long start = System.nanoTime();
          call(http, request);
          nanos[i] = System.nanoTime() - start;
        }
        Arrays.sort(nanos);
        report.metric(BENCH, params, "p50_ms", percentile(nanos, 0.50) / 1e6, "ms");
        report.metric(BENCH, params, "p99_ms", percentile(nanos, 0.99) / 1e6, "ms");
        report.progress("rpc " + path.getKey() + ": throughput ...");
        report.metric(BENCH, params, "rps", throughput(http, request, options), "req/s");
      }
    }
  }

  private static double throughput(HttpClient http, HttpRequest request, Options options)
      throws InterruptedException {
    AtomicLong done = new AtomicLong();
    long deadline = System.nanoTime() + options.duration().toNanos();
    List<Throwable> errors = new ArrayList<>();
    long start = System.nanoTime();
    try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int c = 0; c < options.clients(); c++) {
        clients.execute(
            () -> {
              try {
                while (System.nanoTime() < deadline) {
                  call(http, request);
                  done.incrementAndGet();
                }
              } catch (IOException | InterruptedException | RuntimeException e) {
                synchronized (errors) {
                  errors.add(e);
                }
              }
            });
      }
    }
    if (!errors.isEmpty()) {
      throw new IllegalStateException("a client failed: " + errors.getFirst(), errors.getFirst());
    }
    return done.get() / ((System.nanoTime() - start) / 1e9);
  }

  private static void call(HttpClient http, HttpRequest request)
      throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200 || !response.body().contains(ANSWER)) {
      throw new IOException("unexpected answer " + response.statusCode() + ": " + response.body());
    }
  }

  private static double percentile(long[] sorted, double q) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
  }
}
