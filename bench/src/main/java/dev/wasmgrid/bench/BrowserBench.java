package dev.wasmgrid.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wasmgrid.bench.devtools.DevToolsPage;
import dev.wasmgrid.bench.devtools.HeadlessChromium;
import dev.wasmgrid.coordinator.CoordinatorNode;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.matmul.Dtype;
import dev.wasmgrid.matmul.Gemm;
import dev.wasmgrid.matmul.Matrix;
import dev.wasmgrid.matmul.RandomMatrices;
import dev.wasmgrid.matmul.ReferenceGemm;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * In-browser f64 GFLOP/s of the web app (headless Chromium over the DevTools Protocol) on one and
 * on all Web Workers, for the WasmGC and JavaScript builds, next to the JVM's fast and scalar
 * kernels on as many threads, all in one run; first the in-browser simulation's tick times next to
 * the JVM's ({@link BrowserSimTicks}). Each figure is the best of {@value #RUNS} runs after a
 * warm-up run (pool start-up, module compilation, JIT), since a shared machine only ever slows a
 * run down.
 */
public final class BrowserBench {
  private static final String BENCH = "browser";
  private static final int RUNS = 3;
  private static final Duration RUN_LIMIT = Duration.ofMinutes(5);
  private static final Duration LOAD_LIMIT = Duration.ofSeconds(60);

  /**
   * What to measure.
   *
   * @param sizes n of the n×n×n products
   * @param simEntities entities of the in-browser simulation's world ({@link BrowserSimTicks}), 0
   *     for none
   * @param simTicks timed ticks of that world
   */
  public record Options(List<Integer> sizes, int simEntities, int simTicks) {
    public Options {
      sizes = List.copyOf(sizes);
      if (simEntities < 0 || simTicks < 1) {
        throw new IllegalArgumentException(
            "sim entities must be >= 0 and sim ticks >= 1, got " + simEntities + ", " + simTicks);
      }
    }
  }

  private BrowserBench() {}

  /**
   * Runs the scenario.
   *
   * @param fastKernel the JVM kernel a worker would choose, for a thread count
   */
  public static void run(Options options, IntFunction<Gemm> fastKernel, BenchReport report) {
    try (CoordinatorNode app =
            CoordinatorNode.start(
                ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS),
                List.of(),
                Duration.ofSeconds(30),
                new ReferenceGemm(1));
        HeadlessChromium browser = HeadlessChromium.start(List.of())) {
      if (options.simEntities() > 0) {
        BrowserSimTicks.run(browser, app.port(), options.simEntities(), options.simTicks(), report);
      }
      int all = Math.max(2, Runtime.getRuntime().availableProcessors());
      for (int n : options.sizes()) {
        for (int workers : List.of(1, all)) {
          String label = workers == 1 ? "1" : "all";
          Map<String, Double> gflops = new LinkedHashMap<>();
          for (String impl : List.of("wasm", "js")) {
            report.progress("browser n=" + n + " workers=" + label + " " + impl + " ...");
            gflops.put(impl, inBrowser(browser, app.port(), impl, n, workers));
          }
          report.progress("browser n=" + n + " workers=" + label + " jvm ...");
          gflops.put("jvm-fast", onJvm(fastKernel.apply(workers), n));
          gflops.put("jvm-scalar", onJvm(new ReferenceGemm(workers), n));
          gflops.forEach(
              (impl, value) -> {
                Map<String, Object> params = params(n, label, workers);
                params.put("impl", impl);
                report.metric(BENCH, params, "gflops", value, "GFLOP/s");
              });
          ratio(
              report,
              n,
              label,
              workers,
              "ratio_wasm_over_jvm_scalar",
              gflops,
              "wasm",
              "jvm-scalar");
          ratio(report, n, label, workers, "ratio_wasm_over_jvm_fast", gflops, "wasm", "jvm-fast");
          ratio(report, n, label, workers, "ratio_wasm_over_js", gflops, "wasm", "js");
        }
      }
    }
  }

  private static double inBrowser(
      HeadlessChromium browser, int port, String impl, int n, int workers) {
    try (DevToolsPage page = browser.newPage()) {
      page.navigate(
          "http://127.0.0.1:%d/?mode=browser&dtype=f64&impl=%s&n=%d&workers=%d"
              .formatted(port, impl, n, workers),
          LOAD_LIMIT);
      double best = 0;
      for (int run = 0; run <= RUNS; run++) {
        runOnce(page);
        String backend = page.evaluate("window.lastRun && window.lastRun.backend").asText();
        JsonNode used = page.evaluate("window.lastRun && window.lastRun.workers");
        if (!impl.equals(backend) || !used.isNumber() || used.intValue() != workers) {
          throw new IllegalStateException(
              "the page ran "
                  + backend
                  + " on "
                  + used
                  + " workers, not "
                  + impl
                  + " on "
                  + workers
                  + ": "
                  + page.evaluate("document.getElementById('status').textContent").asText());
        }
        if (run > 0) { // the first run starts the pool and compiles the module
          best = Math.max(best, page.evaluate("window.lastRun.gflops").doubleValue());
        }
      }
      return best;
    }
  }

  /** Clicks the app's Run button and waits until that run ends, well or with an error shown. */
  private static void runOnce(DevToolsPage page) {
    long before = page.evaluate("window.runCount").longValue();
    page.click("run", LOAD_LIMIT);
    page.waitFor(
        "window.runCount > %d || document.getElementById('status').className === 'error'"
            .formatted(before),
        RUN_LIMIT);
  }

  private static double onJvm(Gemm gemm, int n) {
    Matrix a = RandomMatrices.of(Dtype.F64, n, n, 1);
    Matrix b = RandomMatrices.of(Dtype.F64, n, n, 2);
    double best = 0;
    for (int run = 0; run <= RUNS; run++) {
      long start = System.nanoTime();
      Matrix.multiply(gemm, a, b);
      double gflops = 2.0 * n * n * n / (System.nanoTime() - start);
      if (run > 0) {
        best = Math.max(best, gflops);
      }
    }
    return best;
  }

  private static void ratio(
      BenchReport report,
      int n,
      String label,
      int workers,
      String metric,
      Map<String, Double> gflops,
      String over,
      String under) {
    report.metric(
        BENCH, params(n, label, workers), metric, gflops.get(over) / gflops.get(under), "x");
  }

  private static Map<String, Object> params(int n, String label, int workers) {
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("n", n);
    params.put("workers", label);
    params.put("threads", workers);
    return params;
  }
}
