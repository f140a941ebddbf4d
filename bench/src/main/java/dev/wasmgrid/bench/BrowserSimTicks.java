package dev.wasmgrid.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wasmgrid.bench.devtools.DevToolsPage;
import dev.wasmgrid.bench.devtools.HeadlessChromium;
import dev.wasmgrid.sim.NativeNeighbourSweep;
import dev.wasmgrid.sim.NeighbourSweep;
import dev.wasmgrid.sim.PartitionedSim;
import dev.wasmgrid.sim.SimConfig;
import dev.wasmgrid.sim.StateHash;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The web app's in-browser simulation (its WasmGC kernel in one Web Worker per partition, driven by
 * the page's {@code LocalSim} as the sim view drives it, without drawing) against the JVM stepping
 * the same world on as many threads, with the browser's plain-Java neighbour sweep and with the
 * JVM's fastest ({@link NativeNeighbourSweep#fastest}). The browser's world must reach the JVM's
 * state hash at the last tick, or the run fails rather than report the speed of another
 * computation.
 */
final class BrowserSimTicks {
  private static final String BENCH = "browser";
  private static final int PARTITIONS = 2;
  private static final int WARM_UP_TICKS = 300;
  private static final long SEED = 42;
  private static final Duration LOAD_LIMIT = Duration.ofSeconds(60);
  private static final Duration RUN_LIMIT = Duration.ofMinutes(5);

  private BrowserSimTicks() {}

  /** Tick times of {@code entities} on 2 partitions: wasm in the browser, then the JVM's. */
  static void run(HeadlessChromium browser, int port, int entities, int ticks, BenchReport report) {
    SimConfig config = SimConfig.of(entities, SEED);
    report.progress("browser sim " + entities + " entities, " + PARTITIONS + " Web Workers ...");
    Ticks wasm = inBrowser(browser, port, config, ticks);
    report.progress("browser sim " + entities + " entities on the JVM ...");
    Ticks scalar = onJvm(config, ticks, NeighbourSweep.scalar());
    Ticks fast = onJvm(config, ticks, NativeNeighbourSweep.fastest());
    if (!wasm.hash().equals(scalar.hash()) || !fast.hash().equals(scalar.hash())) {
      throw new IllegalStateException(
          "the worlds differ after %d ticks: browser %s, JVM %s (plain sweep), %s (vector sweep)"
              .formatted(WARM_UP_TICKS + ticks, wasm.hash(), scalar.hash(), fast.hash()));
    }
    emit(report, entities, "wasm", wasm);
    emit(report, entities, "jvm-scalar", scalar);
    emit(report, entities, "jvm-fast", fast);
    Map<String, Object> params = params(entities);
    // Speed ratios, as the GFLOP/s ones: above 1 when the browser is the faster.
    report.metric(BENCH, params, "ratio_wasm_over_jvm_scalar", scalar.p50() / wasm.p50(), "x");
    report.metric(BENCH, params, "ratio_wasm_over_jvm_fast", fast.p50() / wasm.p50(), "x");
  }

  private static Ticks inBrowser(HeadlessChromium browser, int port, SimConfig config, int ticks) {
    try (DevToolsPage page = browser.newPage()) {
      page.navigate("http://127.0.0.1:%d/".formatted(port), LOAD_LIMIT);
      JsonNode run =
          page.evaluate(
              """
              (async () => {
                const { LocalSim } = await import(new URL('app/sim/simlocal.js', location.href));
                const sim = await LocalSim.create('wasm',
                    { entities: %d, seed: %d, partitions: %d });
                try {
                  for (let i = 0; i < %d; i++) await sim.step();
                  const ms = [];
                  for (let i = 0; i < %d; i++) {
                    const t0 = performance.now();
                    await sim.step();
                    ms.push(performance.now() - t0);
                  }
                  return { ms, hash: await sim.hash() };
                } finally {
                  sim.terminate();
                }
              })()"""
                  .formatted(config.entities(), config.seed(), PARTITIONS, WARM_UP_TICKS, ticks),
              RUN_LIMIT);
      long[] nanos = new long[run.get("ms").size()];
      for (int i = 0; i < nanos.length; i++) {
        nanos[i] = Math.round(run.get("ms").get(i).doubleValue() * 1e6);
      }
      return Ticks.of(nanos, run.get("hash").asText());
    }
  }

  private static Ticks onJvm(SimConfig config, int ticks, NeighbourSweep sweep) {
    try (PartitionedSim sim = SimBench.fast(config, PARTITIONS, sweep)) {
      for (int i = 0; i < WARM_UP_TICKS; i++) {
        sim.step();
      }
      SimTiming timing = SimTiming.measure(sim, ticks, Long.MAX_VALUE, done -> {});
      return new Ticks(timing.p50Ms(), timing.p99Ms(), StateHash.hex(sim.stateHash()));
    }
  }

  private static void emit(BenchReport report, int entities, String impl, Ticks ticks) {
    Map<String, Object> params = params(entities);
    params.put("impl", impl);
    report.metric(BENCH, params, "tick_p50_ms", ticks.p50(), "ms");
    report.metric(BENCH, params, "tick_p99_ms", ticks.p99(), "ms");
  }

  private static Map<String, Object> params(int entities) {
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("entities", entities);
    params.put("partitions", PARTITIONS);
    return params;
  }

  /** Median and 99th-percentile (nearest rank) tick of a run in ms, and the world's hash after. */
  private record Ticks(double p50, double p99, String hash) {
    /** The browser's ticks, measured in the page. */
    static Ticks of(long[] nanos, String hash) {
      long[] sorted = nanos.clone();
      Arrays.sort(sorted);
      return new Ticks(
          SimTiming.percentile(sorted, 0.50) / 1e6, SimTiming.percentile(sorted, 0.99) / 1e6, hash);
    }
  }
}
