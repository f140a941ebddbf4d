package dev.wasmgrid.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.assertions.PlaywrightAssertions;
import dev.wasmgrid.sim.PartitionedSim;
import dev.wasmgrid.sim.PhaseRunner;
import dev.wasmgrid.sim.ReferenceSim;
import dev.wasmgrid.sim.SimConfig;
import dev.wasmgrid.sim.StateHash;
import org.junit.jupiter.api.Test;

/**
 * The Simulation panel in headless Chromium against a real coordinator: server mode draws the
 * WebSocket's frames and obeys pause; in-browser mode runs the TeaVM-compiled kernel in two Web
 * Workers and reaches the JVM's state hash.
 */
class SimViewerBrowserTest extends PageTest {

  private static Number number(Browsers.Watched w, String expression) {
    return (Number) w.page.evaluate("() => " + expression);
  }

  /** Canvas pixels in an entity's colour (prey or predator). */
  private static int litPixels(Browsers.Watched w) {
    return w.simCanvasPixels(0xff4f9e2eL, 0xff3c45d2L);
  }

  private static String jvmHash(int entities, int seed, int partitions, int ticks) {
    SimConfig config = SimConfig.of(entities, seed);
    try (PartitionedSim fast = new PartitionedSim(config, partitions, PhaseRunner.SEQUENTIAL);
        ReferenceSim reference = new ReferenceSim(config)) {
      for (int t = 0; t < ticks; t++) {
        fast.step();
        reference.step();
      }
      assertThat(fast.stateHash()).isEqualTo(reference.stateHash());
      return StateHash.hex(fast.stateHash());
    }
  }

  /** The JVM's hash after {@code ticks}, then every food patch regrown. */
  private static String jvmHashWithFood(int entities, int seed, int partitions, int ticks) {
    try (PartitionedSim sim =
        new PartitionedSim(SimConfig.of(entities, seed), partitions, PhaseRunner.SEQUENTIAL)) {
      for (int t = 0; t < ticks; t++) {
        sim.step();
      }
      sim.regrowFood();
      return StateHash.hex(sim.stateHash());
    }
  }

  @Test
  void serverModeDrawsTheFramesChartsThePopulationAndPauses() {
    Browsers.Watched w =
        open("?sim=server&sim_entities=3000&sim_seed=4&sim_partitions=2&sim_tps=60");
    w.page.waitForFunction(
        "() => window.simView.drawn >= 3 && window.simView.tick > 5 && window.simView.samples > 3",
        null,
        Browsers.WAIT);
    assertThat(litPixels(w)).isGreaterThan(500);
    PlaywrightAssertions.assertThat(w.page.locator("#sim-population")).containsText("prey");
    PlaywrightAssertions.assertThat(w.page.locator("#sim-parts tr")).hasCount(2);
    PlaywrightAssertions.assertThat(w.page.locator("#sim-parts")).containsText("thread 1");
    PlaywrightAssertions.assertThat(w.page.locator("#sim-status")).containsText("running");
    long before = number(w, "window.simView.tick").longValue();
    w.page.waitForFunction("t => window.simView.tick > t", (double) before, Browsers.WAIT);

    w.page.click("#sim-pause");
    w.page.waitForFunction("() => window.simView.paused", null, Browsers.WAIT);
    long paused = number(w, "window.simView.tick").longValue();
    // The window in which a pause that did not hold would let 60 ticks/s go on.
    w.page.waitForTimeout(500);
    assertThat(number(w, "window.simView.tick").longValue()).isEqualTo(paused);
    PlaywrightAssertions.assertThat(w.page.locator("#sim-status")).containsText("paused");

    w.page.click("#sim-resume");
    w.page.waitForFunction("t => window.simView.tick > t", (double) paused, Browsers.WAIT);
    assertThat(w.screenshot("sim-server")).isNotEmptyFile();
    w.page.click("#sim-stop");
    PlaywrightAssertions.assertThat(w.page.locator("#sim-status")).hasText("stopped");
    w.assertClean();
  }

  @Test
  void inBrowserWasmWorkersReachTheJvmHash() {
    Browsers.Watched w =
        open(
            "?sim=browser&sim_impl=wasm&sim_entities=2000&sim_seed=9&sim_partitions=2"
                + "&sim_ticks=50&sim_tps=1000");
    w.page.waitForFunction("() => window.simView.hashTick === 50", null, Browsers.WAIT);

    assertThat(w.page.evaluate("() => window.simView.hash")).isEqualTo(jvmHash(2000, 9, 2, 50));
    assertThat(w.workers)
        .hasSize(2)
        .allMatch(u -> u.contains("simworker.js") && u.endsWith("impl=wasm"));
    assertThat(litPixels(w)).isGreaterThan(300);
    PlaywrightAssertions.assertThat(w.page.locator("#sim-hash")).containsText("at tick 50");
    PlaywrightAssertions.assertThat(w.page.locator("#sim-parts tr")).hasCount(2);
    PlaywrightAssertions.assertThat(w.page.locator("#sim-parts")).containsText("web worker 1");
    assertThat(w.screenshot("sim-browser-wasm")).isNotEmptyFile();

    // Food timers are in the hash, so adding food shows at once, and as the JVM computes it.
    String before = (String) w.page.evaluate("() => window.simView.hash");
    w.page.click("#sim-food");
    w.page.waitForFunction("h => window.simView.hash !== h", before, Browsers.WAIT);
    assertThat(w.page.evaluate("() => window.simView.hash"))
        .isEqualTo(jvmHashWithFood(2000, 9, 2, 50));
    w.assertClean();
  }

  /**
   * TeaVM's JavaScript target keeps floats as JS doubles (no rounding to f32 after each operation),
   * so it runs the same world only approximately: it steps, draws and hashes, but its hash is not
   * the JVM's. The WasmGC build is the bit-exact one.
   */
  @Test
  void theJavaScriptBuildRunsTheWorldInWorkersToo() {
    Browsers.Watched w =
        open(
            "?sim=browser&sim_impl=js&sim_entities=1000&sim_seed=2&sim_partitions=2"
                + "&sim_ticks=30&sim_tps=1000");
    w.page.waitForFunction("() => window.simView.hashTick === 30", null, Browsers.WAIT);

    assertThat((String) w.page.evaluate("() => window.simView.hash")).matches("[0-9a-f]{16}");
    assertThat(w.workers).hasSize(2).allMatch(u -> u.endsWith("impl=js"));
    assertThat(litPixels(w)).isGreaterThan(100);
    w.assertClean();
  }
}
