package dev.wasmgrid.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.Playwright;
import dev.wasmgrid.coordinator.CoordinatorNode;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.matmul.ReferenceGemm;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * In-browser GFLOP/s of the wasm and js builds (best of 3 runs after the pool has started), printed
 * for the docs; opt-in, since timings on a shared machine are no test: {@code mvn -pl web -am test
 * -Dtest=BrowserSpeedTest -Dsurefire.failIfNoSpecifiedTests=false -Dweb.speed=true}.
 */
@EnabledIfSystemProperty(named = "web.speed", matches = "true")
class BrowserSpeedTest {

  @Test
  @SuppressWarnings("unchecked")
  void printsGflopsOfEachBuild() {
    try (CoordinatorNode coordinator =
            CoordinatorNode.start(
                ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS),
                List.of(),
                Duration.ofSeconds(30),
                new ReferenceGemm(1));
        Playwright playwright = Browsers.playwright();
        Browser browser = Browsers.chromium(playwright, List.of())) {
      for (String impl : List.of("wasm", "js")) {
        for (int n : List.of(256, 512)) {
          Browsers.Watched w = new Browsers.Watched(browser);
          w.page.navigate(
              "http://127.0.0.1:%d/?mode=browser&impl=%s&n=%d"
                  .formatted(coordinator.port(), impl, n));
          double best = 0;
          for (int rep = 0; rep < 3; rep++) {
            w.run();
            Map<String, Object> run = (Map<String, Object>) w.page.evaluate("() => window.lastRun");
            assertThat(run).containsEntry("backend", impl);
            best = Math.max(best, ((Number) run.get("gflops")).doubleValue());
          }
          System.out.printf(
              "[speed] %s n=%d: %.3f GFLOP/s, %s Web Workers%n",
              impl, n, best, w.page.evaluate("() => window.lastRun.workers"));
          w.page.context().close();
        }
      }
    }
  }
}
