package dev.wasmgrid.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The WGSL kernel on Chromium's software (SwiftShader) WebGPU adapter, which {@code
 * --enable-unsafe-webgpu} alone enables headless. A GPU may sum in another order and fuse
 * multiply-adds, so the product is held to the f32 error bound, not to bits.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebGpuTest {
  private Browsers.Session session;
  private Browser browser;

  @BeforeAll
  void start() {
    session = new Browsers.Session(List.of("--enable-unsafe-webgpu"));
    browser = session.browser;
  }

  @AfterAll
  void stop() {
    if (session != null) {
      session.close();
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void f32RunsOnWebGpuWithinTheF32ErrorBound() {
    // 100 is no multiple of the 16×16 tile, so the edges' zero padding is exercised too.
    int n = 100;
    int seed = 6;
    Browsers.Watched w = new Browsers.Watched(browser);
    try {
      w.page.navigate(session.url("?dtype=f32&mode=browser&n=" + n + "&seed=" + seed));
      w.run();

      Map<String, Object> run = (Map<String, Object>) w.page.evaluate("() => window.lastRun");
      assertThat(run).containsEntry("backend", "webgpu");
      PlaywrightAssertions.assertThat(w.page.locator("#path")).containsText("webgpu (WebGPU:");
      List<Number> c = (List<Number>) w.page.evaluate("() => Array.from(window.lastResult)");
      float[] reference = Operands.product32(n, seed);
      float[] a = Operands.f32(Operands.a64(n, n, seed));
      float[] b = Operands.f32(Operands.b64(n, n, seed));
      assertThat(c).hasSize(n * n);
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          double magnitude = 0; // (|A||B|)_ij
          for (int p = 0; p < n; p++) {
            magnitude += Math.abs((double) a[i * n + p] * b[p * n + j]);
          }
          // Both results are within k·u·(|A||B|)_ij of the exact product (u = 2^-24).
          double bound = 2.0 * n * Math.scalb(1.0, -24) * magnitude;
          assertThat(Math.abs(c.get(i * n + j).doubleValue() - reference[i * n + j]))
              .as("C[%d][%d]", i, j)
              .isLessThanOrEqualTo(bound);
        }
      }
      assertThat(w.screenshot("webgpu-f32")).isNotEmptyFile();
      assertThat(w.consoleErrors).as("console errors").isEmpty();
      assertThat(w.pageErrors).as("uncaught errors").isEmpty();
      assertThat(w.failedRequests).as("failed requests").isEmpty();
    } finally {
      w.page.context().close();
    }
  }
}
