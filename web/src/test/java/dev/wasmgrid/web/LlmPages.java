package dev.wasmgrid.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.Route;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import dev.wasmgrid.coordinator.CoordinatorConfig;
import dev.wasmgrid.coordinator.CoordinatorNode;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.ServerSettings;
import dev.wasmgrid.llm.Compute;
import dev.wasmgrid.llm.FloatWeights;
import dev.wasmgrid.llm.GenerationConfig;
import dev.wasmgrid.llm.LanguageModel;
import dev.wasmgrid.llm.LlamaConfig;
import dev.wasmgrid.llm.Model;
import dev.wasmgrid.llm.ScalarCompute;
import dev.wasmgrid.llm.TensorType;
import dev.wasmgrid.llm.TinyModels;
import dev.wasmgrid.llm.TokenPiece;
import dev.wasmgrid.llm.Tokenizer;
import dev.wasmgrid.llm.Transformer;
import dev.wasmgrid.llm.Vocabulary;
import dev.wasmgrid.llm.gguf.GgufModels;
import dev.wasmgrid.llm.gguf.GgufWriter;
import dev.wasmgrid.llm.io.ArrayByteSource;
import dev.wasmgrid.llm.jvm.ModelFiles;
import dev.wasmgrid.llm.jvm.VectorCompute;
import dev.wasmgrid.llm.llama2c.Llama2cModels;
import dev.wasmgrid.llm.llama2c.Llama2cWriter;
import dev.wasmgrid.llm.llama2c.TokenizerBin;
import dev.wasmgrid.llm.worker.ModelHosts;
import dev.wasmgrid.matmul.ReferenceGemm;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What the LLM browser tests share: a coordinator serving the server's tiny model ({@code --model
 * tiny}), Chromium with and without a WebGPU adapter, model files the page can fetch, and the JVM's
 * answers to hold the browser's against, computed here by the kernels.
 */
final class LlmPages implements AutoCloseable {
  static final String PROMPT = "Once upon a time";
  static final String MODEL_URL = "/test-model.gguf";
  static final String TRUNCATED_URL = "/truncated-model.gguf";
  static final String LLAMA2C_URL = "/test-model.bin";
  static final String TOKENIZER_URL = "/tokenizer.bin";

  final Browser plain;
  final Browser webgpu;

  /** What the page's fetches of these paths get. */
  final Map<String, byte[]> files;

  private final ModelHosts models;
  private final CoordinatorNode coordinator;
  private final Playwright playwright;

  LlmPages() throws IOException {
    // Another shape and seed than the tiny model's, F32, so a file really is what gets loaded.
    LlamaConfig config = LlamaConfig.of(64, 128, 2, 4, 2, TinyModels.vocabulary(0).size(), 64);
    FloatWeights weights = TinyModels.randomWeights(config, 7, false);
    Vocabulary vocabulary = TinyModels.vocabulary(config.vocabSize());
    ByteArrayOutputStream gguf = new ByteArrayOutputStream();
    GgufWriter.write(weights, vocabulary, TensorType.F32, gguf);
    ByteArrayOutputStream bin = new ByteArrayOutputStream();
    Llama2cWriter.writeLegacy(weights, bin);
    ByteArrayOutputStream tokenizer = new ByteArrayOutputStream();
    TokenizerBin.write(vocabulary, tokenizer);
    files =
        Map.of(
            MODEL_URL, gguf.toByteArray(),
            TRUNCATED_URL, Arrays.copyOf(gguf.toByteArray(), gguf.size() / 2),
            LLAMA2C_URL, bin.toByteArray(),
            TOKENIZER_URL, tokenizer.toByteArray());
    models = ModelHosts.load(List.of(ModelHosts.TINY), 1, 1, 8, 4096);
    coordinator =
        CoordinatorConfig.builder(
                ServerSettings.open("127.0.0.1", 0, Limits.DEFAULTS), new ReferenceGemm(1))
            .workerTimeout(Duration.ofSeconds(30))
            .models(models)
            .start();
    playwright = Browsers.playwright();
    plain = Browsers.chromium(playwright, List.of()); // no WebGPU adapter without the flag
    webgpu = Browsers.chromium(playwright, List.of("--enable-unsafe-webgpu"));
  }

  /** The F32 GGUF file's model. */
  Model fileModel() {
    return GgufModels.load(new ArrayByteSource(files.get(MODEL_URL)));
  }

  /** The llama2.c checkpoint's model (the same weights). */
  Model llama2cModel() {
    return Llama2cModels.load(
        new ArrayByteSource(files.get(LLAMA2C_URL)), new ArrayByteSource(files.get(TOKENIZER_URL)));
  }

  /** The model `--model tiny` serves, read back from the file the server writes. */
  static Model tinyFromTheServersFile() throws IOException {
    Path file = ModelFiles.writeTiny();
    try {
      return GgufModels.load(new ArrayByteSource(Files.readAllBytes(file)));
    } finally {
      Files.delete(file);
    }
  }

  /**
   * The tokens `--model tiny` answers with: its file memory-mapped on the fast path, as the server
   * runs it (whose quantized products round x to 8 bits, so a sampled draw may differ from the
   * portable path's).
   */
  static List<Integer> serversTokens(GenerationConfig config) throws IOException {
    Path file = ModelFiles.writeTiny();
    try {
      return tokens(ModelFiles.load(file, null), new VectorCompute(1), config);
    } finally {
      Files.delete(file);
    }
  }

  /** The app with {@code query}, in a fresh context whose fetches of {@link #files} are served. */
  Browsers.Watched open(Browser browser, String query) {
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
  static List<Integer> generate(Browsers.Watched w, GenerationConfig config) {
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

  static void assertBackend(Browsers.Watched w, String backend) {
    assertThat(w.page.evaluate("() => window.lastLlm.backend")).isEqualTo(backend);
    PlaywrightAssertions.assertThat(w.page.locator("#llm-backend-used")).containsText(backend);
  }

  /** The tokens {@link LanguageModel} generates from {@link #PROMPT} on the JVM's portable path. */
  static List<Integer> jvmTokens(Model model, GenerationConfig config) {
    return tokens(model, new ScalarCompute(), config);
  }

  private static List<Integer> tokens(Model model, Compute compute, GenerationConfig config) {
    List<Integer> ids = new ArrayList<>();
    try (LanguageModel lm = new LanguageModel(model, compute)) {
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

  /** The logits after {@link #PROMPT}'s last token, on the JVM's portable path. */
  static float[] jvmLogits(Model model) {
    Transformer pass = new Transformer(model.config(), model.weights(), new ScalarCompute());
    int[] tokens = promptTokens(model);
    float[] logits = null;
    for (int pos = 0; pos < tokens.length; pos++) {
      logits = pass.forward(tokens[pos], pos);
    }
    return logits.clone();
  }

  static int[] promptTokens(Model model) {
    return new Tokenizer(model.vocabulary()).encode(PROMPT, true);
  }

  static List<Integer> ints(Object list) {
    List<Integer> out = new ArrayList<>();
    for (Object o : (List<?>) list) {
      out.add(((Number) o).intValue());
    }
    return out;
  }

  @Override
  public void close() {
    plain.close();
    webgpu.close();
    playwright.close();
    coordinator.close();
    models.close();
  }
}
