package dev.wasmgrid.web;

import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/** Tests of the LLM pages: one {@link LlmPages} fixture (coordinator, models, browsers) a class. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class LlmPageTest {
  LlmPages pages;

  @BeforeAll
  void start() throws IOException {
    pages = new LlmPages();
  }

  @AfterAll
  void stop() {
    if (pages != null) {
      pages.close();
    }
  }
}
