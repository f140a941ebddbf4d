package dev.wasmgrid.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.Route;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import dev.wasmgrid.coordinator.CoordinatorNode;
import dev.wasmgrid.coordinator.discovery.DiscoverySettings;
import dev.wasmgrid.coordinator.discovery.WorkerSources;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.llm.GenerationConfig;
import dev.wasmgrid.llm.LanguageModel;
import dev.wasmgrid.llm.LlamaConfig;
import dev.wasmgrid.llm.Model;
import dev.wasmgrid.llm.ModelFormatException;
import dev.wasmgrid.llm.ScalarCompute;
import dev.wasmgrid.llm.TensorType;
import dev.wasmgrid.llm.TinyModels;
import dev.wasmgrid.llm.TokenPiece;
import dev.wasmgrid.llm.Tokenizer;
import dev.wasmgrid.llm.Transformer;
import dev.wasmgrid.llm.gguf.GgufModels;
import dev.wasmgrid.llm.gguf.GgufWriter;
import dev.wasmgrid.llm.io.ArrayByteSource;
import dev.wasmgrid.llm.jvm.ModelFiles;
import dev.wasmgrid.llm.llama2c.Llama2cModels;
import dev.wasmgrid.llm.llama2c.Llama2cWriter;
import dev.wasmgrid.llm.llama2c.TokenizerBin;
import dev.wasmgrid.matmul.ReferenceGemm;
import dev.wasmgrid.worker.llm.ModelHosts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The LLM panel and its API in Chromium: the TeaVM-compiled runtime in a Web Worker gives the JVM's
 * tokens for the same model bytes and seed (WasmGC, JavaScript, and WebGPU on the software
 * SwiftShader adapter), falls back to the CPU without an adapter and says so, and server mode
 * streams the coordinator's tokens. Each expected token list is computed here by the kernels on the
 * JVM, never copied from a browser run.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LlmBrowserTest {
  private static final String PROMPT = "Once upon a time";
  private static final String MODEL_URL = "/test-model.gguf";
  private static final String TRUNCATED_URL = "/truncated-model.gguf";
  private static final String LLAMA2C_URL = "/test-model.bin";
  private static final String TOKENIZER_URL = "/tokenizer.bin";

  private ModelHosts models;
  private CoordinatorNode coordinator;
  private Playwright playwright;
  private Browser plain;
  private Browser webgpu;
  private byte[] ggufBytes;
  private byte[] llama2cBytes;

  /** What the page's fetches of these paths get. */
  private final Map<String, byte[]> files = new HashMap<>();

  @BeforeAll
  void start() throws IOException {
    // The server's own tiny model (what `serve --model tiny` loads), for server mode.
    models = ModelHosts.load(List.of(ModelHosts.TINY), 1, 1, 8);
    coordinator =
        CoordinatorNode.start(
            new CoordinatorNode.Config(
                ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS),
                WorkerSources.parse(List.of()),
                Duration.ofSeconds(30),
                DiscoverySettings.DEFAULTS,
                new ReferenceGemm(1)),
            models);
    playwright = Browsers.playwright();
    plain = Browsers.chromium(playwright, List.of()); // no WebGPU adapter without the flag
    webgpu = Browsers.chromium(playwright, List.of("--enable-unsafe-webgpu"));
    // Another shape and seed than the tiny model's, F32, so a file really is what gets loaded.
    LlamaConfig config = LlamaConfig.of(64, 128, 2, 4, 2, TinyModels.vocabulary(0).size(), 64);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    GgufWriter.write(
        TinyModels.randomWeights(config, 7, false),
        TinyModels.vocabulary(config.vocabSize()),
        TensorType.F32,
        out);
    ggufBytes = out.toByteArray();
    // The same weights as a llama2.c checkpoint with its tokenizer.bin.
    ByteArrayOutputStream bin = new ByteArrayOutputStream();
    Llama2cWriter.writeLegacy(TinyModels.randomWeights(config, 7, false), bin);
    llama2cBytes = bin.toByteArray();
    ByteArrayOutputStream tokenizer = new ByteArrayOutputStream();
    TokenizerBin.write(TinyModels.vocabulary(config.vocabSize()), tokenizer);
    files.put(MODEL_URL, ggufBytes);
    files.put(TRUNCATED_URL, Arrays.copyOf(ggufBytes, ggufBytes.length / 2));
    files.put(LLAMA2C_URL, llama2cBytes);
    files.put(TOKENIZER_URL, tokenizer.toByteArray());
  }

  @AfterAll
  void stop() {
    for (AutoCloseable c : new AutoCloseable[] {plain, webgpu, playwright, coordinator, models}) {
      if (c != null) {
        try {
          c.close();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    }
  }

  @Test
  void wasmGivesTheJvmsTokensForTheSameFileGreedyAndSampled() {
    Model model = GgufModels.load(new ArrayByteSource(ggufBytes));
    GenerationConfig greedy = GenerationConfig.greedy(24);
    GenerationConfig sampled = GenerationConfig.defaults().withMaxTokens(24).withSeed(5);
    Browsers.Watched w = open(plain, "?llm-backend=wasm&llm-model=" + MODEL_URL);
    try {
      assertThat(generate(w, greedy)).isEqualTo(jvmTokens(model, greedy));
      assertBackend(w, "wasm");
      assertThat(w.page.evaluate("() => window.lastLlm.stats.gpuDispatches")).isEqualTo(0);
      assertThat(generate(w, sampled)).isEqualTo(jvmTokens(model, sampled));
      assertThat(w.screenshot("llm-wasm")).isNotEmptyFile();
      assertClean(w);
    } finally {
      w.page.context().close();
    }
  }

  @Test
  void aLlama2cCheckpointAndTokenizerGiveTheJvmsTokens() {
    Model model =
        Llama2cModels.load(
            new ArrayByteSource(llama2cBytes), new ArrayByteSource(files.get(TOKENIZER_URL)));
    GenerationConfig sampled = GenerationConfig.defaults().withMaxTokens(16).withSeed(3);
    Browsers.Watched w =
        open(
            plain,
            "?llm-backend=wasm&llm-model=" + LLAMA2C_URL + "&llm-tokenizer=" + TOKENIZER_URL);
    try {
      assertThat(generate(w, sampled)).isEqualTo(jvmTokens(model, sampled));
      PlaywrightAssertions.assertThat(w.page.locator("#llm-model-info")).containsText("llama2c");
      assertClean(w);
    } finally {
      w.page.context().close();
    }
  }

  @Test
  void theJavaScriptBuildGivesTheJvmsTokens() {
    Model model = GgufModels.load(new ArrayByteSource(ggufBytes));
    GenerationConfig greedy = GenerationConfig.greedy(16);
    Browsers.Watched w = open(plain, "?llm-backend=js&llm-model=" + MODEL_URL);
    try {
      assertThat(generate(w, greedy)).isEqualTo(jvmTokens(model, greedy));
      assertBackend(w, "js");
      assertClean(w);
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
    Model model = GgufModels.load(new ArrayByteSource(ggufBytes));
    GenerationConfig greedy = GenerationConfig.greedy(16);
    Browsers.Watched w = open(webgpu, "?llm-backend=webgpu&llm-model=" + MODEL_URL);
    try {
      PlaywrightAssertions.assertThat(w.page.locator("#llm-gpu")).containsText("available:");
      assertThat(w.page.evaluate("() => window.wasmgridLlm.isGpuAvailable()")).isEqualTo(true);
      assertThat(generate(w, greedy)).isEqualTo(jvmTokens(model, greedy));
      assertBackend(w, "webgpu");
      PlaywrightAssertions.assertThat(w.page.locator("#llm-backend-used")).containsText("WebGPU:");
      // Every weight mat-vec was a dispatch: 7 per layer and the classifier, per forward pass
      // (one per prompt token, then one per generated token but the last).
      assertThat(w.page.evaluate("() => window.lastLlm.stats.finishReason"))
          .isEqualTo("max_tokens");
      int prompt = new Tokenizer(model.vocabulary()).encode(PROMPT, true).length;
      int passes = prompt + greedy.maxTokens() - 1;
      assertThat(((Number) w.page.evaluate("() => window.lastLlm.stats.gpuDispatches")).intValue())
          .isEqualTo(passes * (7 * model.config().layers() + 1));
      assertThat(w.screenshot("llm-webgpu")).isNotEmptyFile();
      // gpu 'auto' keeps the tiny model's small mat-vecs (< 2^20 weights) on the CPU, and says so.
      Map<?, ?> auto =
          (Map<?, ?>)
              w.page.evaluate(
                  "async () => { const llm = await window.wasmgridLlm.BrowserLlm.load();"
                      + " llm.terminate(); return { backend: llm.backend, why: llm.why }; }");
      assertThat(auto.get("backend")).isEqualTo("wasm");
      assertThat((String) auto.get("why")).contains("WebGPU:", "all on the CPU");
      assertClean(w);
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
    checkLogits("f32 file", GgufModels.load(new ArrayByteSource(ggufBytes)), file);
    Map<String, Object> tiny = Map.of("kind", "tiny", "seed", 1, "dtype", "q8_0");
    checkLogits("q8_0 tiny", tinyFromTheServersFile(), tiny);
  }

  private void checkLogits(String name, Model model, Map<String, Object> source) {
    float[] expected = jvmLogits(model);
    double spread = 0;
    for (float v : expected) {
      spread = Math.max(spread, Math.abs(v));
    }
    double cpu = maxDifference(browserLogits(plain, "off", source), expected);
    double gpu = maxDifference(browserLogits(webgpu, "all", source), expected);
    System.out.printf(
        "%s: prompt logits vs JVM: max |diff| wasm %.3g, webgpu %.3g (max |logit| %.3g)%n",
        name, cpu, gpu, spread);
    assertThat(cpu).as(name + " on wasm").isLessThanOrEqualTo(1e-5 * spread);
    assertThat(gpu).as(name + " on webgpu").isLessThanOrEqualTo(1e-5 * spread);
  }

  @SuppressWarnings("unchecked")
  private float[] browserLogits(Browser browser, String gpu, Map<String, Object> source) {
    Browsers.Watched w = open(browser, "");
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
      assertClean(w);
      float[] out = new float[logits.size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = logits.get(i).floatValue();
      }
      return out;
    } finally {
      w.page.context().close();
    }
  }

  private static float[] jvmLogits(Model model) {
    Transformer pass = new Transformer(model.config(), model.weights(), new ScalarCompute());
    int[] tokens = new Tokenizer(model.vocabulary()).encode(PROMPT, true);
    float[] logits = null;
    for (int pos = 0; pos < tokens.length; pos++) {
      logits = pass.forward(tokens[pos], pos);
    }
    return logits.clone();
  }

  private static double maxDifference(float[] actual, float[] expected) {
    assertThat(actual).hasSameSizeAs(expected);
    double max = 0;
    for (int i = 0; i < expected.length; i++) {
      max = Math.max(max, Math.abs((double) actual[i] - expected[i]));
    }
    return max;
  }

  @Test
  void aTruncatedFileFailsWithTheReadersMessageOnThePanel() {
    Throwable thrown =
        catchThrowable(() -> GgufModels.load(new ArrayByteSource(files.get(TRUNCATED_URL))));
    assertThat(thrown).isInstanceOf(ModelFormatException.class);
    String message = thrown.getMessage();
    Browsers.Watched w = open(plain, "?llm-backend=wasm&llm-model=" + TRUNCATED_URL);
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
    Browsers.Watched w = open(plain, "?llm-backend=auto");
    try {
      assertThat(w.page.evaluate("() => window.wasmgridLlm.isGpuAvailable()")).isEqualTo(false);
      PlaywrightAssertions.assertThat(w.page.locator("#llm-gpu")).containsText("not available");
      // The default model is the tiny one made in the worker: the server's tiny, weight for weight.
      assertThat(generate(w, greedy)).isEqualTo(jvmTokens(tiny, greedy));
      assertBackend(w, "wasm");
      PlaywrightAssertions.assertThat(w.page.locator("#llm-backend-used"))
          .containsText("no WebGPU");
      assertClean(w);
    } finally {
      w.page.context().close();
    }
  }

  @Test
  void serverModeStreamsTheServersTokens() throws IOException {
    Model tiny = tinyFromTheServersFile();
    GenerationConfig sampled = GenerationConfig.defaults().withMaxTokens(20).withSeed(9);
    Browsers.Watched w = open(plain, "?llm-mode=server");
    try {
      assertThat(generate(w, sampled)).isEqualTo(jvmTokens(tiny, sampled));
      assertBackend(w, "server");
      Map<?, ?> stats = (Map<?, ?>) w.page.evaluate("() => window.lastLlm.stats");
      assertThat(((Number) stats.get("tokens")).intValue())
          .isEqualTo(jvmTokens(tiny, sampled).size());
      assertThat(((Number) stats.get("tokS")).doubleValue()).isPositive();
      PlaywrightAssertions.assertThat(w.page.locator("#llm-tps")).not().hasText("–");
      PlaywrightAssertions.assertThat(w.page.locator("#llm-ttft")).containsText("ms");
      assertThat(w.screenshot("llm-server")).isNotEmptyFile();
      assertClean(w);
    } finally {
      w.page.context().close();
    }
  }

  /**
   * The page API: tokens as an async iterator; leaving the loop early cancels, and the next runs.
   */
  @Test
  @SuppressWarnings("unchecked")
  void theAsyncIteratorStopsWhenLeftAndTheModelServesTheNextGeneration() throws IOException {
    Model tiny = tinyFromTheServersFile();
    GenerationConfig greedy = GenerationConfig.greedy(10);
    Browsers.Watched w = open(plain, "");
    try {
      Map<String, Object> r =
          (Map<String, Object>)
              w.page.evaluate(
                  "async () => {"
                      + " const llm = await window.wasmgridLlm.BrowserLlm.load({ gpu: 'off' });"
                      + " const first = [];"
                      + " for await (const t of llm.generate('"
                      + PROMPT
                      + "', { maxTokens: 10, temperature: 0 })) {"
                      + "   first.push(t.id); if (first.length === 3) break; }"
                      + " const run = llm.generate('"
                      + PROMPT
                      + "', { maxTokens: 10, temperature: 0 });"
                      + " const second = [];"
                      + " for await (const t of run) second.push(t.id);"
                      + " llm.terminate();"
                      + " return { first, second, stats: run.stats, backend: llm.backend };"
                      + "}");
      List<Integer> expected = jvmTokens(tiny, greedy);
      assertThat(ints(r.get("first"))).isEqualTo(expected.subList(0, 3));
      assertThat(ints(r.get("second"))).isEqualTo(expected);
      assertThat(r).containsEntry("backend", "wasm");
      assertThat(((Map<String, Object>) r.get("stats")).get("finishReason"))
          .isIn("max_tokens", "eos");
      assertClean(w);
    } finally {
      w.page.context().close();
    }
  }

  private Browsers.Watched open(Browser browser, String query) {
    Browsers.Watched w = new Browsers.Watched(browser);
    // The context's route also sees the Web Worker's fetch; the predicate matches the path only.
    w.page
        .context()
        .route(
            url -> files.containsKey(URI.create(url).getPath()),
            (Route route) ->
                route.fulfill(
                    new Route.FulfillOptions()
                        .setStatus(200)
                        .setContentType("application/octet-stream")
                        .setBodyBytes(files.get(URI.create(route.request().url()).getPath()))));
    w.page.navigate("http://127.0.0.1:" + coordinator.port() + "/" + query);
    return w;
  }

  /** Runs the panel with {@code config}'s settings and returns the token ids it streamed. */
  private static List<Integer> generate(Browsers.Watched w, GenerationConfig config) {
    Object before = w.page.evaluate("() => window.llmRunCount");
    w.page.fill("#llm-prompt", PROMPT);
    w.page.fill("#llm-max", Integer.toString(config.maxTokens()));
    w.page.fill("#llm-temp", Float.toString(config.temperature()));
    w.page.fill("#llm-seed", Long.toString(config.seed()));
    w.page.click("#llm-run");
    w.page.waitForFunction(
        "n => window.llmRunCount > n",
        before,
        new Page.WaitForFunctionOptions().setTimeout(Browsers.TIMEOUT_MS));
    Object error = w.page.evaluate("() => window.lastLlmError || null");
    assertThat(error).as("the panel's error").isNull();
    PlaywrightAssertions.assertThat(w.page.locator("#llm-status")).hasText("done");
    System.out.println(
        "LLM panel run: " + w.page.evaluate("() => JSON.stringify(window.lastLlm.stats)"));
    return ints(w.page.evaluate("() => window.lastLlm.tokens"));
  }

  private static void assertBackend(Browsers.Watched w, String backend) {
    assertThat(w.page.evaluate("() => window.lastLlm.backend")).isEqualTo(backend);
    PlaywrightAssertions.assertThat(w.page.locator("#llm-backend-used")).containsText(backend);
  }

  private static void assertClean(Browsers.Watched w) {
    assertThat(w.consoleErrors).as("console errors").isEmpty();
    assertThat(w.pageErrors).as("uncaught errors").isEmpty();
    assertThat(w.failedRequests).as("failed requests").isEmpty();
  }

  /** The tokens {@link LanguageModel} generates on the JVM's portable path. */
  private static List<Integer> jvmTokens(Model model, GenerationConfig config) {
    List<Integer> ids = new ArrayList<>();
    try (LanguageModel lm = new LanguageModel(model, new ScalarCompute())) {
      lm.stream(
          PROMPT,
          config,
          (TokenPiece p) -> {
            ids.add(p.id());
            return true;
          });
    }
    return ids;
  }

  /** The model `--model tiny` serves, read back from the file the server writes. */
  private static Model tinyFromTheServersFile() throws IOException {
    Path file = ModelFiles.writeTiny();
    try {
      return GgufModels.load(new ArrayByteSource(Files.readAllBytes(file)));
    } finally {
      Files.delete(file);
    }
  }

  private static List<Integer> ints(Object list) {
    List<Integer> out = new ArrayList<>();
    for (Object o : (List<?>) list) {
      out.add(((Number) o).intValue());
    }
    return out;
  }
}
