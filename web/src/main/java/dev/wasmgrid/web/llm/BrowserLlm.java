package dev.wasmgrid.web.llm;

import dev.wasmgrid.llm.Compute;
import dev.wasmgrid.llm.Generation;
import dev.wasmgrid.llm.GenerationConfig;
import dev.wasmgrid.llm.GenerationStats;
import dev.wasmgrid.llm.LanguageModel;
import dev.wasmgrid.llm.LlamaWeights;
import dev.wasmgrid.llm.Model;
import dev.wasmgrid.llm.ModelInfo;
import dev.wasmgrid.llm.ScalarCompute;
import dev.wasmgrid.llm.TensorType;
import dev.wasmgrid.llm.TinyModels;
import dev.wasmgrid.llm.TokenPiece;
import dev.wasmgrid.llm.Transformer;
import dev.wasmgrid.llm.WeightMatrix;
import dev.wasmgrid.llm.gguf.GgufModels;
import dev.wasmgrid.llm.io.ArrayByteSource;
import dev.wasmgrid.llm.llama2c.Llama2cModels;
import java.util.ArrayList;
import java.util.List;
import org.teavm.jso.JSBody;
import org.teavm.jso.JSExport;
import org.teavm.jso.JSObject;
import org.teavm.jso.core.JSArrayReader;
import org.teavm.jso.core.JSPromise;
import org.teavm.jso.core.JSString;
import org.teavm.jso.typedarrays.Float32Array;
import org.teavm.jso.typedarrays.Int8Array;

/**
 * What the LLM Web Worker (llm-worker.js) calls: TeaVM compiles this class, and the {@code
 * dev.wasmgrid.llm} runtime under it, to WasmGC and to JavaScript. A loaded model generates one
 * token per {@link #next()}, which answers a promise: the forward pass may await the GPU seam
 * ({@link GpuMatvec}), and TeaVM runs code that awaits only in its own green thread ({@link
 * JSPromise#callAsync}). One generation at a time, as on the JVM.
 */
public final class BrowserLlm {
  /**
   * Context cap for models loaded from files, which often declare 2048 or more positions: the KV
   * cache is allocated whole up front, and a browser tab's memory is small.
   */
  private static final int MAX_CONTEXT = 1024;

  private final Model loaded;
  private final Compute compute;
  private final LanguageModel model;
  private Generation generation;

  private BrowserLlm(Model model, GpuMatvec gpu) {
    this.loaded = model.withContext(MAX_CONTEXT);
    this.compute = gpu == null ? new ScalarCompute() : new WebGpuCompute(gpu);
    this.model = new LanguageModel(loaded, compute);
  }

  /** A GGUF file's model; mat-vecs on {@code gpu}, or on the CPU when it is null. */
  @JSExport
  public static BrowserLlm loadGguf(Int8Array file, GpuMatvec gpu) {
    return new BrowserLlm(GgufModels.load(new ArrayByteSource(file.copyToJavaArray())), gpu);
  }

  /** A llama2.c checkpoint and its {@code tokenizer.bin}. */
  @JSExport
  public static BrowserLlm loadLlama2c(Int8Array checkpoint, Int8Array tokenizer, GpuMatvec gpu) {
    return new BrowserLlm(
        Llama2cModels.load(
            new ArrayByteSource(checkpoint.copyToJavaArray()),
            new ArrayByteSource(tokenizer.copyToJavaArray())),
        gpu);
  }

  /**
   * The tiny test model made here from its seed: with seed 1 and {@code q8_0} it is the model that
   * {@code --model tiny} serves, weight for weight.
   */
  @JSExport
  public static BrowserLlm tiny(double seed, String dtype, GpuMatvec gpu) {
    return new BrowserLlm(
        TinyModels.model(TinyModels.tinyConfig(), TensorType.parse(dtype), (long) seed), gpu);
  }

  /** The runtime's version. */
  @JSExport
  public static String version() {
    return LanguageModel.version();
  }

  /** The model's shape, its format and the compute path, as a plain object. */
  @JSExport
  public JSObject modelInfo() {
    ModelInfo i = model.modelInfo();
    return info(
        i.format(),
        i.dtype(),
        i.dim(),
        i.hiddenDim(),
        i.layers(),
        i.heads(),
        i.kvHeads(),
        i.vocabSize(),
        i.contextLength(),
        (double) i.parameters(),
        i.compute());
  }

  /** How many of the weight matrices the GPU multiplies (0 on the CPU path). */
  @JSExport
  public int gpuMatrices() {
    if (!(compute instanceof WebGpuCompute gpu)) {
      return 0;
    }
    LlamaWeights w = loaded.weights();
    List<WeightMatrix> all = new ArrayList<>();
    for (List<WeightMatrix> layer :
        List.of(w.wq(), w.wk(), w.wv(), w.wo(), w.w1(), w.w2(), w.w3())) {
      all.addAll(layer);
    }
    all.add(w.classifier());
    int n = 0;
    for (WeightMatrix m : all) {
      if (gpu.onGpu(m)) {
        n++;
      }
    }
    return n;
  }

  /**
   * Resolves to the logits after the prompt's last token, from a fresh forward pass over the prompt
   * on this model's compute path: for holding the GPU's arithmetic against the JVM's.
   */
  @JSExport
  public JSPromise<Float32Array> promptLogits(String prompt) {
    return JSPromise.callAsync(
        () -> {
          Transformer pass = new Transformer(loaded.config(), loaded.weights(), compute);
          int[] tokens = model.tokenizer().encode(prompt, true);
          float[] logits = null;
          for (int pos = 0; pos < tokens.length; pos++) {
            logits = pass.forward(tokens[pos], pos);
          }
          return Float32Array.copyFromJavaArray(logits);
        });
  }

  /**
   * Starts a generation (ending one still running); each {@link #next()} then yields a token. Seeds
   * above 2^53 do not survive JavaScript's numbers.
   */
  @JSExport
  public JSPromise<JSObject> start(
      String prompt,
      int maxTokens,
      float temperature,
      int topK,
      float topP,
      double seed,
      JSArrayReader<JSString> stop) {
    List<String> stops = new ArrayList<>();
    for (int i = 0; i < stop.getLength(); i++) {
      stops.add(stop.get(i).stringValue());
    }
    GenerationConfig config =
        new GenerationConfig(maxTokens, temperature, topK, topP, (long) seed, stops, false);
    return JSPromise.callAsync(
        () -> {
          closeGeneration();
          generation = model.start(prompt, config);
          return null;
        });
  }

  /**
   * Resolves to {@code {id, text, done}} for the next token, or {@code {done: true}} with the final
   * figures once the generation has ended.
   */
  @JSExport
  public JSPromise<JSObject> next() {
    return JSPromise.callAsync(
        () -> {
          if (generation == null) {
            throw new IllegalStateException("no generation: call start(prompt, ...) first");
          }
          TokenPiece piece = generation.next();
          if (piece != null) {
            return token(piece.id(), piece.text());
          }
          GenerationStats s = generation.stats();
          closeGeneration();
          return stats(s);
        });
  }

  /**
   * Ends the running generation, if any, and resolves to its figures (finish reason {@code
   * cancelled}, unless it had ended), or to null when none was running.
   */
  @JSExport
  public JSPromise<JSObject> cancel() {
    return JSPromise.callAsync(
        () -> {
          if (generation == null) {
            return null;
          }
          generation.close();
          GenerationStats s = generation.stats();
          generation = null;
          return stats(s);
        });
  }

  private void closeGeneration() {
    if (generation != null) {
      generation.close();
      generation = null;
    }
  }

  @JSBody(
      params = {"id", "text"},
      script = "return {id: id, text: text, done: false};")
  private static native JSObject token(int id, String text);

  private static JSObject stats(GenerationStats s) {
    return end(
        s.promptTokens(),
        s.tokens(),
        s.timeToFirstTokenMs(),
        s.totalMs(),
        s.tokensPerSecond(),
        s.stopReason());
  }

  @JSBody(
      params = {"promptTokens", "tokens", "ttftMs", "totalMs", "tokS", "finishReason"},
      script =
          "return {done: true, promptTokens: promptTokens, tokens: tokens, ttftMs: ttftMs,"
              + " totalMs: totalMs, tokS: tokS, finishReason: finishReason};")
  private static native JSObject end(
      int promptTokens,
      int tokens,
      double ttftMs,
      double totalMs,
      double tokS,
      String finishReason);

  @JSBody(
      params = {
        "format",
        "dtype",
        "dim",
        "hiddenDim",
        "layers",
        "heads",
        "kvHeads",
        "vocabSize",
        "contextLength",
        "parameters",
        "compute"
      },
      script =
          "return {format: format, dtype: dtype, dim: dim, hiddenDim: hiddenDim, layers: layers,"
              + " heads: heads, kvHeads: kvHeads, vocabSize: vocabSize,"
              + " contextLength: contextLength, parameters: parameters, compute: compute};")
  private static native JSObject info(
      String format,
      String dtype,
      int dim,
      int hiddenDim,
      int layers,
      int heads,
      int kvHeads,
      int vocabSize,
      int contextLength,
      double parameters,
      String compute);
}
