package dev.wasmgrid.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import dev.wasmgrid.coordinator.CoordinatorNode;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.testing.Chromium;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Playwright on the system Chromium (never downloads a browser), and a page that records trouble.
 */
final class Browsers {
  static final Path SCREENSHOTS = Path.of("target", "screenshots");
  static final double TIMEOUT_MS = 120_000;

  /** The waits of {@code waitForFunction}, as long as every other wait. */
  static final Page.WaitForFunctionOptions WAIT =
      new Page.WaitForFunctionOptions().setTimeout(TIMEOUT_MS);

  private Browsers() {}

  static Playwright playwright() {
    // Assertions retry until this; the default 5 s is short for a loaded 2-core machine.
    PlaywrightAssertions.setDefaultAssertionTimeout(TIMEOUT_MS);
    return Chromium.playwright();
  }

  static Browser chromium(Playwright playwright, List<String> args) {
    return Chromium.launch(playwright, args);
  }

  /** The app served by a real coordinator, and a Chromium to open it in; closes all three. */
  static final class Session implements AutoCloseable {
    final CoordinatorNode coordinator;
    final Playwright playwright;
    final Browser browser;

    /** A coordinator with an in-process worker, and Chromium started with {@code args}. */
    Session(List<String> args) {
      coordinator =
          CoordinatorNode.start(
              ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS),
              List.of(),
              Duration.ofSeconds(30),
              new ReferenceGemm(1));
      playwright = playwright();
      browser = chromium(playwright, args);
    }

    /** The app's URL with {@code query} (e.g. {@code ?n=64}). */
    String url(String query) {
      return "http://127.0.0.1:" + coordinator.port() + "/" + query;
    }

    @Override
    public void close() {
      browser.close();
      playwright.close();
      coordinator.close();
    }
  }

  /** A page and what went wrong on it: console errors, uncaught errors, failed requests. */
  static final class Watched {
    final Page page;
    final List<String> consoleErrors = new CopyOnWriteArrayList<>();
    final List<String> consoleWarnings = new CopyOnWriteArrayList<>();
    final List<String> pageErrors = new CopyOnWriteArrayList<>();
    final List<String> failedRequests = new CopyOnWriteArrayList<>();
    final List<String> workers = new CopyOnWriteArrayList<>();

    Watched(Browser browser) {
      this(browser.newContext());
    }

    /** A new page in {@code context} (e.g. one with a phone's viewport). */
    Watched(BrowserContext context) {
      page = context.newPage();
      page.setDefaultTimeout(TIMEOUT_MS);
      page.onConsoleMessage(
          m -> {
            if (m.type().equals("error")) {
              consoleErrors.add(m.text() + " @" + m.location());
            } else if (m.type().equals("warning")) {
              consoleWarnings.add(m.text());
            }
          });
      page.onPageError(pageErrors::add);
      page.onRequestFailed(r -> failedRequests.add(r.url() + " " + r.failure()));
      page.onResponse(
          r -> {
            if (r.status() >= 400) {
              failedRequests.add(r.url() + " HTTP " + r.status());
            }
          });
      page.onWorker(w -> workers.add(w.url()));
    }

    /** Asserts the page logged no console error, threw nothing uncaught, and no request failed. */
    void assertClean() {
      assertThat(consoleErrors).as("console errors").isEmpty();
      assertThat(pageErrors).as("uncaught errors").isEmpty();
      assertThat(failedRequests).as("failed requests").isEmpty();
    }

    /** Clicks Run and waits until the run ends, well or badly. */
    void run() {
      Chromium.run(page, TIMEOUT_MS);
    }

    /** The last product's entries as raw bits, 16 hex digits each. */
    @SuppressWarnings("unchecked")
    List<String> resultBits() {
      return (List<String>)
          page.evaluate(
              "() => Array.from(window.lastResult, x => { const v = new DataView(new"
                  + " ArrayBuffer(8)); v.setFloat64(0, x);"
                  + " return v.getBigUint64(0).toString(16).padStart(16, '0'); })");
    }

    /**
     * Pixels of the simulation's canvas in any of {@code colours} (RGBA bytes as a little-endian
     * int).
     */
    int simCanvasPixels(long... colours) {
      List<Double> wanted = new ArrayList<>();
      for (long c : colours) {
        wanted.add((double) c);
      }
      return ((Number)
              page.evaluate(
                  "cs => { const c = document.getElementById('sim-canvas');"
                      + " const d = new Uint32Array(c.getContext('2d')"
                      + ".getImageData(0, 0, c.width, c.height).data.buffer);"
                      + " return d.filter(p => cs.includes(p)).length; }",
                  wanted))
          .intValue();
    }

    Path screenshot(String name) {
      try {
        Files.createDirectories(SCREENSHOTS);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Path file = SCREENSHOTS.resolve(name + ".png");
      page.screenshot(new Page.ScreenshotOptions().setPath(file).setFullPage(true));
      return file;
    }
  }
}
