package dev.wasmgrid.web;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Playwright on the system Chromium (never downloads a browser), and a page that records trouble.
 */
final class Browsers {
  static final Path SCREENSHOTS = Path.of("target", "screenshots");
  static final double TIMEOUT_MS = 120_000;

  private Browsers() {}

  static Playwright playwright() {
    // Assertions retry until this; the default 5 s is short for a loaded 2-core machine.
    PlaywrightAssertions.setDefaultAssertionTimeout(TIMEOUT_MS);
    return Chromium.playwright();
  }

  static Browser chromium(Playwright playwright, List<String> args) {
    return Chromium.launch(playwright, args);
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
      page = browser.newPage();
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
