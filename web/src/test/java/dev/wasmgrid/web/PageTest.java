package dev.wasmgrid.web;

import com.microsoft.playwright.Browser;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * Tests of the web app's page: one embedded coordinator and one headless Chromium for the class, a
 * fresh watched page per test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class PageTest {
  Browsers.Session session;
  Browser browser;
  Browsers.Watched watched;

  @BeforeAll
  void start() {
    session = new Browsers.Session(List.of()); // no WebGPU adapter without a flag
    browser = session.browser;
  }

  @AfterAll
  void stop() {
    if (session != null) {
      session.close();
    }
  }

  @AfterEach
  void closePage() {
    if (watched != null) {
      watched.page.context().close();
    }
  }

  /** Opens the page with {@code query} (e.g. {@code ?n=64}) on a fresh watched page. */
  Browsers.Watched open(String query) {
    watched = new Browsers.Watched(browser);
    watched.page.navigate(session.url(query));
    return watched;
  }
}
