package dev.wasmgrid.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Page;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import dev.wasmgrid.coordinator.CoordinatorNode;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.ServerSettings;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The app's views as a user meets them: the header's navigation, a server job's progress bar and
 * its cancelling from the jobs list, failures shown without stale values, the simulation's strips,
 * zoom and chart, and every view's layout at desktop and phone width (with a screenshot each).
 */
class AppViewsTest extends PageTest {

  @Test
  void theHeaderSaysWhatTheSystemIsAndItsNavigationShowsOneViewAtATime() {
    Browsers.Watched w = open("");
    PlaywrightAssertions.assertThat(w.page.locator("header .tagline"))
        .containsText("matrix products, agent simulations, language models");
    PlaywrightAssertions.assertThat(w.page.locator("#view-matmul")).isVisible();
    // By keyboard: focus the Simulation link and press Enter.
    w.page.locator("nav a[href='#sim']").focus();
    w.page.keyboard().press("Enter");
    PlaywrightAssertions.assertThat(w.page.locator("#view-sim")).isVisible();
    PlaywrightAssertions.assertThat(w.page.locator("#view-matmul")).isHidden();
    PlaywrightAssertions.assertThat(w.page.locator("nav a[href='#sim']"))
        .hasAttribute("aria-current", "page");
    Layout.show(w.page, "cluster");
    PlaywrightAssertions.assertThat(w.page.locator("#cluster-status")).containsText("1 up");
    w.assertClean();
  }

  @Test
  void aServerJobShowsProgressAndTheJobsListCancelsIt() {
    HeldGemm held = new HeldGemm();
    try (CoordinatorNode coordinator =
        CoordinatorNode.start(
            ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS),
            List.of(),
            Duration.ofSeconds(30),
            held)) {
      try {
        watched = new Browsers.Watched(browser);
        Browsers.Watched w = watched;
        String base = "http://127.0.0.1:" + coordinator.port() + "/";
        // The in-process worker holds this product until released: it runs as long as the test
        // needs.
        w.page.navigate(base + "?mode=server&seed=2&n=" + HeldGemm.HELD_ROWS);
        w.page.locator("#run").click();
        PlaywrightAssertions.assertThat(w.page.locator("#job-progress-text"))
            .containsText("job running (local), 0/1 blocks");
        PlaywrightAssertions.assertThat(w.page.locator("#job-progress")).isVisible();
        // A local job is one block: the bar is indeterminate, the text counts the seconds.
        assertThat(w.page.evaluate("() => document.getElementById('job-progress').position"))
            .isEqualTo(-1);
        PlaywrightAssertions.assertThat(w.page.locator("#jobs tr").first()).containsText("running");
        w.page.locator("#jobs button", new Page.LocatorOptions().setHasText("Cancel")).click();

        PlaywrightAssertions.assertThat(w.page.locator("#status")).hasText("failed: job cancelled");
        PlaywrightAssertions.assertThat(w.page.locator("#job-progress-row")).isHidden();
        PlaywrightAssertions.assertThat(w.page.locator("#jobs tr").first())
            .containsText("cancelled");
        PlaywrightAssertions.assertThat(w.page.locator("#jobs button")).hasCount(0);
        PlaywrightAssertions.assertThat(w.page.locator("#checksum")).hasText("–");
        assertThat(w.page.request().get(base + "v1/jobs").text()).contains("\"cancelled\"");
        w.assertClean();
      } finally {
        // Before the coordinator closes: it waits for the product it runs.
        held.release();
      }
    }
  }

  @Test
  void anInvalidInputIsNamedAndLeavesNoStaleResult() {
    Browsers.Watched w = open("?mode=browser&n=32&seed=1");
    w.run();
    PlaywrightAssertions.assertThat(w.page.locator("#checksum")).not().hasText("–");

    w.page.locator("#n").fill("0");
    PlaywrightAssertions.assertThat(w.page.locator("#checksum")).hasText("–");
    w.page.locator("#run").click();
    PlaywrightAssertions.assertThat(w.page.locator("#status"))
        .hasText("failed: n must be a whole number from 1 to 4096");
    PlaywrightAssertions.assertThat(w.page.locator("#status")).hasClass("error");
    PlaywrightAssertions.assertThat(w.page.locator("#path")).hasText("–");
    w.assertClean();
  }

  @Test
  void theSimulationDrawsStripsAndGhostZonesZoomsAndChartsWithAxes() {
    Browsers.Watched w =
        open(
            "?sim=browser&sim_impl=wasm&sim_entities=2000&sim_seed=3&sim_partitions=3"
                + "&sim_ticks=40&sim_tps=1000");
    w.page.waitForFunction("() => window.simView.hashTick === 40", null, Browsers.WAIT);
    // Boundary (yellow) and ghost-zone pixels: three strip edges, the seam drawn at both sides.
    int height =
        ((Number) w.page.evaluate("() => document.getElementById('sim-canvas').height")).intValue();
    assertThat(w.simCanvasPixels(0xff19c4f0L))
        .isGreaterThanOrEqualTo(height); // at least one full column; entities may cover some
    assertThat(w.simCanvasPixels(0xff263330L)).isGreaterThan(height);
    // The canvas fills its box at the screen's pixel density.
    assertThat(
            (Boolean)
                w.page.evaluate(
                    "() => { const c = document.getElementById('sim-canvas');"
                        + " return Math.abs(c.width - c.getBoundingClientRect().width"
                        + " * devicePixelRatio) <= 1; }"))
        .isTrue();
    // The chart: two axes with their labels and a legend naming both species.
    PlaywrightAssertions.assertThat(w.page.locator("#sim-chart .u-axis")).hasCount(2);
    PlaywrightAssertions.assertThat(w.page.locator("#sim-chart .u-legend")).containsText("prey");
    PlaywrightAssertions.assertThat(w.page.locator("#sim-chart .u-legend"))
        .containsText("predators");
    assertThat(w.page.evaluate("() => window.simView.chartAxes"))
        .isEqualTo(List.of("tick", "entities"));

    w.page.locator("#sim-zoom-in").click();
    PlaywrightAssertions.assertThat(w.page.locator("#sim-zoom-level")).hasText("1.5×");
    w.page.locator("#sim-canvas").focus();
    w.page.keyboard().press("+");
    PlaywrightAssertions.assertThat(w.page.locator("#sim-zoom-level")).hasText("2.3×");
    w.page.keyboard().press("0");
    PlaywrightAssertions.assertThat(w.page.locator("#sim-zoom-level")).hasText("1.0×");
    w.assertClean();
  }

  @Test
  void aRefusedSimulationSaysWhyAndLeavesNothingStale() {
    Browsers.Watched w = open("?sim=server&sim_entities=0&sim_seed=1&sim_partitions=2");
    PlaywrightAssertions.assertThat(w.page.locator("#sim-status"))
        .containsText("failed: HTTP 400: entities must be an integer");
    PlaywrightAssertions.assertThat(w.page.locator("#sim-hash")).hasText("–");
    PlaywrightAssertions.assertThat(w.page.locator("#sim-parts tr")).hasCount(0);
    assertThat(w.pageErrors).isEmpty();
    assertThat(w.failedRequests).singleElement().asString().endsWith("/v1/sim HTTP 400");
  }

  /** Each view with its main content, at desktop and phone width: screenshot and layout. */
  @ParameterizedTest
  @EnumSource(Layout.Screen.class)
  void everyViewLaysOutWithoutOverflowOrOverlap(Layout.Screen screen) {
    watched = Layout.page(browser, screen);
    Browsers.Watched w = watched;
    w.page.navigate(session.url("?mode=browser&n=48&seed=1"));
    w.run();
    Layout.check(w, "matmul", screen);

    w.page.navigate(
        session.url(
            "?sim=browser&sim_impl=wasm&sim_entities=1500&sim_seed=1&sim_partitions=2"
                + "&sim_ticks=30&sim_tps=1000"));
    w.page.waitForFunction(
        "() => window.simView.hashTick === 30 && window.simView.drawn > 0", null, Browsers.WAIT);
    Layout.check(w, "sim", screen);

    Layout.show(w.page, "chat");
    PlaywrightAssertions.assertThat(w.page.locator("#chat-status")).containsText("no model");
    Layout.check(w, "chat", screen);

    Layout.show(w.page, "cluster");
    PlaywrightAssertions.assertThat(w.page.locator("#workers tr").first())
        .containsText("in-process");
    Layout.check(w, "cluster", screen);
    w.assertClean();
  }
}
