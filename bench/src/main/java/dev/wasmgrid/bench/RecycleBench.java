package dev.wasmgrid.bench;

import dev.wasmgrid.wasm.CompiledModule;
import dev.wasmgrid.wasm.ModuleLimits;
import dev.wasmgrid.wasm.WasmCallException;
import dev.wasmgrid.wasm.WasmInstance;
import dev.wasmgrid.wasm.WasmModules;
import dev.wasmgrid.wasm.recycle.RecycleListener;
import dev.wasmgrid.wasm.recycle.RecyclingPolicy;
import dev.wasmgrid.wasm.recycle.RecyclingProxy;
import dev.wasmgrid.wasm.recycle.SwapMethod;
import dev.wasmgrid.wasm.recycle.SwapReport;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The recycling proxy on the bundled prover module (seed 002): how long a swap takes by replay and
 * by snapshot for 1, 16 and 64 MiB of state; call latency with and without swaps under leaking
 * calls; instantiations per second; and a leak storm on a worker process, with its resident set
 * before, at its peak and after. Every proof is checked against a plain instance's.
 */
public final class RecycleBench {
  private static final String BENCH = "recycle";
  private static final Duration WAIT = Duration.ofSeconds(60);

  /**
   * What to measure.
   *
   * @param stateMib state sizes for the swap times
   * @param swaps swaps timed per size and method (the median is reported, and the max)
   * @param calls calls timed with and without swaps
   * @param latencyStateMib the state behind the timed calls
   * @param leakKib memory each timed call (and each leaking storm call) leaks
   * @param stormClients clients in the leak storm
   * @param stormCalls calls each storm client makes
   */
  public record Options(
      List<Integer> stateMib,
      int swaps,
      int calls,
      int latencyStateMib,
      int leakKib,
      int stormClients,
      int stormCalls) {}

  private RecycleBench() {}

  /**
   * Runs the scenario; {@code workerLauncher} starts a worker process for the leak storm (see
   * {@link LocalCluster#sameJvm}).
   */
  public static void run(Options options, List<String> workerLauncher, BenchReport report)
      throws InterruptedException, IOException {
    for (int mib : options.stateMib()) {
      for (SwapMethod method : SwapMethod.values()) {
        swapTimes(mib, method, options.swaps(), report);
      }
    }
    for (boolean swaps : new boolean[] {false, true}) {
      latency(options, swaps, report);
    }
    instantiations(report);
    storm(options, workerLauncher, report);
  }

  /**
   * {@link Options#stormClients()} clients each making {@link Options#stormCalls()} calls to the
   * prover on a worker process, alternating a {@code prove} that leaks {@link Options#leakKib()}
   * KiB with a {@code reverse} that passes buffers in and out; the prover is recycled after 32
   * calls on one instance. The worker's resident set in MiB ({@code rss_mb}) before, at its peak
   * and after (once within 1.5 times what it was before, or after 30 s).
   */
  private static void storm(Options options, List<String> launcher, BenchReport report)
      throws InterruptedException, IOException {
    report.progress(
        "recycle: leak storm, %d clients x %d calls on a worker process ..."
            .formatted(options.stormClients(), options.stormCalls()));
    try (LocalCluster cluster = new LocalCluster(launcher)) {
      LocalCluster.Node worker = cluster.start("worker", "--port", "0", "--modules-dir", "none");
      LeakStorm storm = new LeakStorm(URI.create(worker.url()), worker.process().pid());
      storm.send(
          "PUT", "/v1/modules/prover", "application/wasm", WasmModules.bundledBytes("prover"));
      byte[] policy =
          """
          {"state_exports":["setup"],"handle_params":{"prove":[0],"state_digest":[0]},
           "digest_export":"state_digest","max_calls":32}"""
              .getBytes(StandardCharsets.UTF_8);
      storm.send("PUT", "/v1/modules/prover/recycling", "application/json", policy);
      int mib = 1;
      long handle =
          storm
              .send(
                  "POST",
                  "/v1/modules/prover/call/setup",
                  "application/json",
                  ("{\"args\":[" + mib + "]}").getBytes(StandardCharsets.UTF_8))
              .get("results")
              .get(0)
              .asLong();
      long expected = proof(prover(ModuleLimits.DEFAULT_MAX_PAGES), mib);
      LeakStorm.Calls calls =
          (client, i) ->
              i % 2 == 0
                  ? new LeakStorm.Call(
                      "prove",
                      "{\"args\":[%d,%d]}".formatted(handle, options.leakKib()),
                      answer -> answer.get("results").get(0).asLong() == expected)
                  : new LeakStorm.Call(
                      "reverse",
                      "{\"args\":[{\"bytes\":\"AQID+g==\"},{\"out\":4}]}",
                      answer -> answer.get("out").get(0).asText().equals("+gMCAQ=="));
      LeakStorm.Result result =
          storm.run(
              "prover",
              options.stormClients(),
              options.stormCalls(),
              calls,
              1.5,
              Duration.ofSeconds(30));
      Map<String, Object> params = new LinkedHashMap<>();
      params.put("clients", options.stormClients());
      params.put("calls", result.calls());
      report.metric(BENCH, params, "storm_failed_calls", result.failed(), "calls");
      long[] rss = {result.beforeBytes(), result.peakBytes(), result.afterBytes()};
      String[] phases = {"before", "peak", "after"};
      for (int p = 0; p < phases.length; p++) {
        Map<String, Object> phase = new LinkedHashMap<>(params);
        phase.put("phase", phases[p]);
        report.metric(BENCH, phase, "rss_mb", rss[p] / 1048576.0, "MiB");
      }
      report.metric(BENCH, params, "rss_settle_ms", result.settled().toNanos() / 1e6, "ms");
    }
  }

  private static void swapTimes(int mib, SwapMethod method, int swaps, BenchReport report)
      throws InterruptedException {
    report.progress("recycle: %d MiB of state, swaps by %s ...".formatted(mib, method.id()));
    CompiledModule prover = prover(pagesFor(2L * mib + 16));
    RecyclingPolicy policy = policy().withSnapshots(method == SwapMethod.SNAPSHOT);
    long expected = proof(prover, mib);
    double[] ms = new double[swaps];
    try (RecyclingProxy proxy = new RecyclingProxy(prover, policy, RecycleListener.NONE)) {
      long handle = proxy.call("setup", mib)[0];
      if (method == SwapMethod.SNAPSHOT) {
        swap(proxy); // the first swap replays and keeps the golden snapshot
      }
      for (int i = 0; i < swaps; i++) {
        SwapReport swap = swap(proxy);
        if (swap.method() != method) {
          throw new IllegalStateException("expected a swap by " + method + ", got " + swap);
        }
        ms[i] = swap.duration().toNanos() / 1e6;
        check(proxy.call("prove", handle, 0)[0], expected);
      }
    }
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("state_mib", mib);
    params.put("method", method.id());
    Arrays.sort(ms);
    report.metric(BENCH, params, "swap_ms", ms[ms.length / 2], "ms");
    report.metric(BENCH, params, "swap_max_ms", ms[ms.length - 1], "ms");
  }

  /**
   * {@code calls} leaking calls on one thread. With swaps: an instance limit twice the state, so
   * the watermark is passed every few hundred calls; without: a limit the leaks never reach.
   */
  private static void latency(Options options, boolean swaps, BenchReport report) {
    int mib = options.latencyStateMib();
    long leakBytes = (long) options.calls() * options.leakKib() * 1024;
    long limitMib = swaps ? 2L * mib + 8 : mib + 8 + (leakBytes >> 20) * 2;
    report.progress(
        "recycle: %d calls leaking %d KiB on %d MiB of state, swaps %s ..."
            .formatted(options.calls(), options.leakKib(), mib, swaps ? "on" : "off"));
    CompiledModule prover = prover(pagesFor(limitMib));
    long expected = proof(prover, mib);
    RecyclingPolicy policy = swaps ? policy() : policy().withWatermark(1.0);
    double[] ms = new double[options.calls()];
    int failed = 0;
    List<SwapReport> swapped = new CopyOnWriteArrayList<>();
    RecycleListener listener =
        new RecycleListener() {
          @Override
          public void swapped(SwapReport report) {
            swapped.add(report);
          }

          @Override
          public void prepareFailed(String reason, boolean mismatch) {}
        };
    try (RecyclingProxy proxy = new RecyclingProxy(prover, policy, listener)) {
      long handle = proxy.call("setup", mib)[0];
      for (int i = 0; i < options.calls(); i++) {
        long start = System.nanoTime();
        try {
          if (proxy.call("prove", handle, options.leakKib())[0] != expected) {
            failed++;
          }
        } catch (WasmCallException e) {
          failed++;
        }
        ms[i] = (System.nanoTime() - start) / 1e6;
      }
    }
    Arrays.sort(ms);
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("swaps", swaps ? "on" : "off");
    params.put("state_mib", mib);
    params.put("calls", options.calls());
    report.metric(BENCH, params, "p50_ms", ms[ms.length / 2], "ms");
    report.metric(BENCH, params, "p99_ms", ms[(int) (ms.length * 0.99)], "ms");
    report.metric(BENCH, params, "failed_calls", failed, "calls");
    report.metric(BENCH, params, "swap_count", swapped.size(), "swaps");
    // The swaps that happened under the calls: the first replays, the later ones restore.
    double[] snapshotMs =
        swapped.stream()
            .filter(r -> r.method() == SwapMethod.SNAPSHOT)
            .mapToDouble(r -> r.duration().toNanos() / 1e6)
            .sorted()
            .toArray();
    if (snapshotMs.length > 0) {
      report.metric(BENCH, params, "snapshot_swap_p50_ms", snapshotMs[snapshotMs.length / 2], "ms");
      report.metric(BENCH, params, "snapshot_swap_max_ms", snapshotMs[snapshotMs.length - 1], "ms");
    }
  }

  private static void instantiations(BenchReport report) {
    report.progress("recycle: instantiations per second ...");
    CompiledModule prover = prover(ModuleLimits.DEFAULT_MAX_PAGES);
    long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
    int count = 0;
    long start = System.nanoTime();
    while (count < 100_000 && System.nanoTime() < deadline) {
      prover.instantiate().close();
      count++;
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    report.metric(
        BENCH, Map.of("module", "prover"), "instantiations_per_s", count / seconds, "1/s");
  }

  private static SwapReport swap(RecyclingProxy proxy) throws InterruptedException {
    try {
      return proxy.recycle().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("a swap failed: " + e.getMessage(), e);
    }
  }

  private static RecyclingPolicy policy() {
    return RecyclingPolicy.defaults(Set.of("setup"))
        .withHandles(Map.of("prove", List.of(0)), "state_digest");
  }

  private static CompiledModule prover(int pages) {
    return WasmModules.bundled(
        "prover",
        ModuleLimits.defaults().withMaxPages(Math.min(pages, ModuleLimits.WASM32_MAX_PAGES)));
  }

  private static int pagesFor(long mib) {
    return (int) (mib * 16);
  }

  private static long proof(CompiledModule prover, int mib) {
    try (WasmInstance plain = prover.instantiate()) {
      return plain.call("prove", plain.call("setup", mib)[0], 0)[0];
    }
  }

  private static void check(long got, long expected) {
    if (got != expected) {
      throw new IllegalStateException("prove gave " + got + " after a swap, expected " + expected);
    }
  }

  /**
   * The defaults: 1, 16, 64 MiB; 5 swaps each; 1000 calls leaking 256 KiB on 64 MiB of state; a
   * storm of 8 clients x 250 calls.
   */
  public static Options defaults() {
    return new Options(new ArrayList<>(List.of(1, 16, 64)), 5, 1000, 64, 256, 8, 250);
  }
}
