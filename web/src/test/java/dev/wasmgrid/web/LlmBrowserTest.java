package dev.wasmgrid.web;

import static dev.wasmgrid.web.LlmPages.LLAMA2C_URL;
import static dev.wasmgrid.web.LlmPages.MODEL_URL;
import static dev.wasmgrid.web.LlmPages.TOKENIZER_URL;
import static dev.wasmgrid.web.LlmPages.TRUNCATED_URL;
import static dev.wasmgrid.web.LlmPages.assertBackend;
import static dev.wasmgrid.web.LlmPages.generate;
import static dev.wasmgrid.web.LlmPages.jvmTokens;
import static dev.wasmgrid.web.LlmPages.promptTokens;
import static dev.wasmgrid.web.LlmPages.tinyFromTheServersFile;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.microsoft.playwright.assertions.PlaywrightAssertions;
import dev.wasmgrid.llm.GenerationConfig;
import dev.wasmgrid.llm.Model;
import dev.wasmgrid.llm.ModelFormatException;
import dev.wasmgrid.llm.gguf.GgufModels;
import dev.wasmgrid.llm.io.ArrayByteSource;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The LLM panel in Chromium: the TeaVM-compiled runtime in a Web Worker gives the JVM's tokens for
 * the same model bytes and seed (WasmGC, JavaScript, and WebGPU on the software SwiftShader
 * adapter; GGUF and llama2.c), falls back to the CPU without an adapter and says so, reports a bad
 * file, and server mode streams the coordinator's tokens. Each expected token list is computed by
 * the kernels on the JVM, never copied from a browser run.
 */
class LlmBrowserTest extends LlmPageTest {
  @Test
  void wasmGivesTheJvmsTokensForTheSameFileGreedyAndSampled() {
    Model model = pages.fileModel();
    GenerationConfig greedy = GenerationConfig.greedy(24);
    GenerationConfig sampled = GenerationConfig.defaults().withMaxTokens(24).withSeed(5);
    Browsers.Watched w = pages.open(pages.plain, "?llm-backend=wasm&llm-model=" + MODEL_URL);
    try {
      assertThat(generate(w, greedy)).isEqualTo(jvmTokens(model, greedy));
      assertBackend(w, "wasm");
      assertThat(w.page.evaluate("() => window.lastLlm.stats.gpuDispatches")).isEqualTo(0);
      assertThat(generate(w, sampled)).isEqualTo(jvmTokens(model, sampled));
      assertThat(w.screenshot("llm-wasm")).isNotEmptyFile();
      w.assertClean();
    } finally {
      w.page.context().close();
    }
  }

  @Test
  void aLlama2cCheckpointAndTokenizerGiveTheJvmsTokens() {
    Model model = pages.llama2cModel();
    GenerationConfig sampled = GenerationConfig.defaults().withMaxTokens(16).withSeed(3);
    Browsers.Watched w =
        pages.open(
            pages.plain,
            "?llm-backend=wasm&llm-model=" + LLAMA2C_URL + "&llm-tokenizer=" + TOKENIZER_URL);
    try {
      assertThat(generate(w, sampled)).isEqualTo(jvmTokens(model, sampled));
      PlaywrightAssertions.assertThat(w.page.locator("#llm-model-info")).containsText("llama2c");
      w.assertClean();
    } finally {
      w.page.context().close();
    }
  }

  @Test
  void theJavaScriptBuildGivesTheJvmsTokens() {
    Model model = pages.fileModel();
    GenerationConfig greedy = GenerationConfig.greedy(16);
    Browsers.Watched w = pages.open(pages.plain, "?llm-backend=js&llm-model=" + MODEL_URL);
    try {
      assertThat(generate(w, greedy)).isEqualTo(jvmTokens(model, greedy));
      assertBackend(w, "js");
      w.assertClean();
    } finally {
      w.page.context().close();
    }
  }

  /**
   * The software adapter runs the WGSL mat-vecs. It sums in another order than the CPU, so logits
   * may differ in the last bits; greedy tokens agree unless that flips an argmax, which the tiny
   * model's well-separated logits make vanishingly unlikely (exact agreement is asserted).
   */
  @Test
  void webGpuComputesTheMatvecsAndAgreesWithTheJvm() {
    Model model = pages.fileModel();
    GenerationConfig greedy = GenerationConfig.greedy(16);
    Browsers.Watched w = pages.open(pages.webgpu, "?llm-backend=webgpu&llm-model=" + MODEL_URL);
    try {
      PlaywrightAssertions.assertThat(w.page.locator("#llm-gpu")).containsText("available:");
      assertThat(w.page.evaluate("() => window.wasmgridLlm.isGpuAvailable()")).isEqualTo(true);
      assertThat(generate(w, greedy)).isEqualTo(jvmTokens(model, greedy));
      assertBackend(w, "webgpu");
      PlaywrightAssertions.assertThat(w.page.locator("#llm-backend-used")).containsText("WebGPU:");
      // Every weight mat-vec was a dispatch: 7 per layer per position (each prompt token, then
      // each generated token but the last), and the classifier once per token drawn (the prompt
      // asks for logits at its last position only).
      assertThat(w.page.evaluate("() => window.lastLlm.stats.finishReason"))
          .isEqualTo("max_tokens");
      int prompt = promptTokens(model).length;
      int positions = prompt + greedy.maxTokens() - 1;
      assertThat(((Number) w.page.evaluate("() => window.lastLlm.stats.gpuDispatches")).intValue())
          .isEqualTo(positions * 7 * model.config().layers() + greedy.maxTokens());
      assertThat(w.screenshot("llm-webgpu")).isNotEmptyFile();
      // gpu 'auto' keeps the tiny model's small mat-vecs (< 2^20 weights) on the CPU, and says so.
      Map<?, ?> auto =
          (Map<?, ?>)
              w.page.evaluate(
                  "async () => { const llm = await window.wasmgridLlm.BrowserLlm.load();"
                      + " llm.terminate(); return { backend: llm.backend, why: llm.why }; }");
      assertThat(auto.get("backend")).isEqualTo("wasm");
      assertThat((String) auto.get("why")).contains("WebGPU:", "all on the CPU");
      w.assertClean();
    } finally {
      w.page.context().close();
    }
  }

  @Test
  void aTruncatedFileFailsWithTheReadersMessageOnThePanel() {
    Throwable thrown =
        catchThrowable(() -> GgufModels.load(new ArrayByteSource(pages.files.get(TRUNCATED_URL))));
    assertThat(thrown).isInstanceOf(ModelFormatException.class);
    String message = thrown.getMessage();
    Browsers.Watched w = pages.open(pages.plain, "?llm-backend=wasm&llm-model=" + TRUNCATED_URL);
    try {
      w.page.click("#llm-run");
      PlaywrightAssertions.assertThat(w.page.locator("#llm-status")).hasText("failed: " + message);
      assertThat(w.pageErrors).as("uncaught errors").isEmpty();
      // The panel logs the failure; nothing else may be an error.
      assertThat(w.consoleErrors).hasSize(1);
      assertThat(w.consoleErrors.get(0)).contains(message);
    } finally {
      w.page.context().close();
    }
  }

  @Test
  void withoutAnAdapterTheCpuGeneratesAndThePanelSaysSo() throws IOException {
    Model tiny = tinyFromTheServersFile();
    GenerationConfig greedy = GenerationConfig.greedy(12);
    Browsers.Watched w = pages.open(pages.plain, "?llm-backend=auto");
    try {
      assertThat(w.page.evaluate("() => window.wasmgridLlm.isGpuAvailable()")).isEqualTo(false);
      PlaywrightAssertions.assertThat(w.page.locator("#llm-gpu")).containsText("not available");
      // The default model is the tiny one made in the worker: the server's tiny, weight for weight.
      assertThat(generate(w, greedy)).isEqualTo(jvmTokens(tiny, greedy));
      assertBackend(w, "wasm");
      PlaywrightAssertions.assertThat(w.page.locator("#llm-backend-used"))
          .containsText("no WebGPU");
      w.assertClean();
    } finally {
      w.page.context().close();
    }
  }

  @Test
  void serverModeStreamsTheServersTokens() throws IOException {
    GenerationConfig sampled = GenerationConfig.defaults().withMaxTokens(20).withSeed(9);
    List<Integer> expected = LlmPages.serversTokens(sampled);
    Browsers.Watched w = pages.open(pages.plain, "?llm-mode=server");
    try {
      assertThat(generate(w, sampled)).isEqualTo(expected);
      assertBackend(w, "server");
      Map<?, ?> stats = (Map<?, ?>) w.page.evaluate("() => window.lastLlm.stats");
      assertThat(((Number) stats.get("tokens")).intValue()).isEqualTo(expected.size());
      assertThat(((Number) stats.get("tokS")).doubleValue()).isPositive();
      PlaywrightAssertions.assertThat(w.page.locator("#llm-tps")).not().hasText("–");
      PlaywrightAssertions.assertThat(w.page.locator("#llm-ttft")).containsText("ms");
      assertThat(w.screenshot("llm-server")).isNotEmptyFile();
      w.assertClean();
    } finally {
      w.page.context().close();
    }
  }
}
