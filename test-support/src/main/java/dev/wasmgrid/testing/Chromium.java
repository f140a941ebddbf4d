package dev.wasmgrid.testing;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Debian's Chromium driven by Playwright, for the browser tests: Playwright never downloads a
 * browser, it launches {@code /usr/bin/chromium} (or {@code -Dchromium.path}) headless. Test
 * support only, so that Playwright stays off the runtime class path.
 */
public final class Chromium {
  /** The browser binary. */
  public static final Path PATH = Path.of(System.getProperty("chromium.path", "/usr/bin/chromium"));

  private Chromium() {}

  /** Playwright without its browser download (the variable reaches its installer and driver). */
  public static Playwright playwright() {
    return Playwright.create(
        new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
  }

  /**
   * Launches headless Chromium with extra {@code args} (e.g. {@code --enable-unsafe-webgpu}).
   *
   * @throws IllegalStateException when there is no Chromium to launch
   */
  public static Browser launch(Playwright playwright, List<String> args) {
    if (!Files.isExecutable(PATH)) {
      throw new IllegalStateException(
          "no Chromium at " + PATH + ": apt-get install -y chromium, or set -Dchromium.path");
    }
    return playwright
        .chromium()
        .launch(
            new BrowserType.LaunchOptions()
                .setExecutablePath(PATH)
                .setHeadless(true)
                .setArgs(args));
  }

  /**
   * Clicks the app's Run button and waits until that run ends, well or with an error shown.
   *
   * @param timeoutMillis how long the run may take
   */
  public static void run(Page page, double timeoutMillis) {
    Object before = page.evaluate("() => window.runCount");
    page.locator("#run").click();
    page.waitForFunction(
        "n => window.runCount > n || document.getElementById('status').className === 'error'",
        before,
        new Page.WaitForFunctionOptions().setTimeout(timeoutMillis));
  }
}
