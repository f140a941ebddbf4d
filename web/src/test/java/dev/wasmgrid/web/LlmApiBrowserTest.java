package dev.wasmgrid.web;

import static dev.wasmgrid.web.LlmPages.MODEL_URL;
import static dev.wasmgrid.web.LlmPages.PROMPT;
import static dev.wasmgrid.web.LlmPages.ints;
import static dev.wasmgrid.web.LlmPages.jvmLogits;
import static dev.wasmgrid.web.LlmPages.jvmTokens;
import static dev.wasmgrid.web.LlmPages.tinyFromTheServersFile;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Browser;
import dev.wasmgrid.llm.GenerationConfig;
import dev.wasmgrid.llm.Model;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The page's language-model API (llm.js) in Chromium: the async iterator of tokens and its
 * cancellation, and the prompt's logits from the CPU and GPU paths against the JVM's.
 */
class LlmApiBrowserTest extends LlmPageTest {
  /**
   * The page API: tokens as an async iterator; leaving the loop early cancels the generation at
   * once, and the model serves the next one.
   */
  @Test
  @SuppressWarnings("unchecked")
  void theAsyncIteratorStopsWhenLeftAndTheModelServesTheNextGeneration() throws IOException {
    Model tiny = tinyFromTheServersFile();
    GenerationConfig greedy = GenerationConfig.greedy(10);
    Browsers.Watched w = pages.open(pages.plain, "");
    try {
      Map<String, Object> r =
          (Map<String, Object>)
              w.page.evaluate(
                  "async () => {"
                      + " const llm = await window.wasmgridLlm.BrowserLlm.load({ gpu: 'off' });"
                      + " const first = [];"
                      + " const stopped = llm.generate('"
                      + PROMPT
                      + "', { maxTokens: 10, temperature: 0 });"
                      + " for await (const t of stopped) {"
                      + "   first.push(t.id); if (first.length === 3) break; }"
                      + " const run = llm.generate('"
                      + PROMPT
                      + "', { maxTokens: 10, temperature: 0 });"
                      + " const second = [];"
                      + " for await (const t of run) second.push(t.id);"
                      + " llm.terminate();"
                      + " return { first, second, stats: run.stats, stoppedStats: stopped.stats,"
                      + "   backend: llm.backend };"
                      + "}");
      List<Integer> expected = jvmTokens(tiny, greedy);
      assertThat(ints(r.get("first"))).isEqualTo(expected.subList(0, 3));
      assertThat(ints(r.get("second"))).isEqualTo(expected);
      assertThat(r).containsEntry("backend", "wasm");
      assertThat(((Map<String, Object>) r.get("stats")).get("finishReason"))
          .isIn("max_tokens", "eos");
      // Tokens are made as the loop asks: leaving after 3 generated exactly 3.
      Map<String, Object> stopped = (Map<String, Object>) r.get("stoppedStats");
      assertThat(stopped).containsEntry("finishReason", "cancelled");
      assertThat(((Number) stopped.get("tokens")).intValue()).isEqualTo(3);
      w.assertClean();
    } finally {
      w.page.context().close();
    }
  }

  /**
   * The prompt's logits: the WasmGC CPU path does the JVM's float operations in the JVM's order, so
   * only the transcendental functions (exp, pow, sin, cos: the browser's, not the JDK's) can move a
   * last bit; the GPU sums in other orders. Both are held to a small fraction of the logits'
   * spread.
   */
  @Test
  void promptLogitsAgreeWithTheJvmOnCpuAndGpuForF32AndQ8() throws IOException {
    Map<String, Object> file = Map.of("kind", "gguf", "url", MODEL_URL);
    checkLogits("f32 file", pages.fileModel(), file);
    Map<String, Object> tiny = Map.of("kind", "tiny", "seed", 1, "dtype", "q8_0");
    checkLogits("q8_0 tiny", tinyFromTheServersFile(), tiny);
  }

  private void checkLogits(String name, Model model, Map<String, Object> source) {
    float[] expected = jvmLogits(model);
    double spread = 0;
    for (float v : expected) {
      spread = Math.max(spread, Math.abs(v));
    }
    double cpu = maxDifference(browserLogits(pages.plain, "off", source), expected);
    double gpu = maxDifference(browserLogits(pages.webgpu, "all", source), expected);
    System.out.printf(
        "%s: prompt logits vs JVM: max |diff| wasm %.3g, webgpu %.3g (max |logit| %.3g)%n",
        name, cpu, gpu, spread);
    assertThat(cpu).as(name + " on wasm").isLessThanOrEqualTo(1e-5 * spread);
    assertThat(gpu).as(name + " on webgpu").isLessThanOrEqualTo(1e-5 * spread);
  }

  @SuppressWarnings("unchecked")
  private float[] browserLogits(Browser browser, String gpu, Map<String, Object> source) {
    Browsers.Watched w = pages.open(browser, "");
    try {
      List<Number> logits =
          (List<Number>)
              w.page.evaluate(
                  "async ([source, prompt, gpu]) => {"
                      + " const llm = await window.wasmgridLlm.BrowserLlm.load("
                      + "   { source, impl: 'wasm', gpu });"
                      + " if (llm.backend !== (gpu === 'off' ? 'wasm' : 'webgpu'))"
                      + "   throw new Error('backend ' + llm.backend);"
                      + " const logits = Array.from(await llm.logits(prompt));"
                      + " llm.terminate();"
                      + " return logits; }",
                  List.of(source, PROMPT, gpu));
      w.assertClean();
      float[] out = new float[logits.size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = logits.get(i).floatValue();
      }
      return out;
    } finally {
      w.page.context().close();
    }
  }

  private static double maxDifference(float[] actual, float[] expected) {
    assertThat(actual).hasSameSizeAs(expected);
    double max = 0;
    for (int i = 0; i < expected.length; i++) {
      max = Math.max(max, Math.abs((double) actual[i] - expected[i]));
    }
    return max;
  }
}
