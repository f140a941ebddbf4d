package dev.wasmgrid.cli;

import dev.wasmgrid.cli.progress.ProgressBar;
import dev.wasmgrid.cli.progress.ProgressMode;
import dev.wasmgrid.llm.Compute;
import dev.wasmgrid.llm.GenerationConfig;
import dev.wasmgrid.llm.GenerationStats;
import dev.wasmgrid.llm.LanguageModel;
import dev.wasmgrid.llm.Model;
import dev.wasmgrid.llm.ScalarCompute;
import dev.wasmgrid.llm.TensorType;
import dev.wasmgrid.llm.jvm.ModelFiles;
import dev.wasmgrid.llm.jvm.VectorCompute;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code wasmgrid generate}: streams a model's continuation of a prompt to the terminal. */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description = "Generate text with a GGUF or llama2.c model, streaming tokens.",
    footer = {
      "",
      "Tokens go to stdout, then a stats line (tokens, tok/s, time to first token) to stderr.",
      "Control characters other than newline and tab (ESC, BEL, CR, ...) are written as \\xNN,"
          + " so that a model's bytes cannot drive the terminal; --raw writes the text unchanged.",
      "--model tiny writes a small random-weight GGUF model to a temporary file and uses it."
    })
final class GenerateCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--model",
      required = true,
      description = "A .gguf file, a llama2.c .bin checkpoint, or 'tiny'.")
  String model;

  @Option(
      names = "--tokenizer",
      description = "llama2.c tokenizer.bin (default: tokenizer.bin beside the checkpoint).")
  Path tokenizer;

  @Option(names = "--prompt", defaultValue = "", description = "The prompt (default: empty).")
  String prompt;

  @Option(names = "--seed", defaultValue = "42", description = "Sampling seed (default: 42).")
  long seed;

  @Option(
      names = "--max-tokens",
      defaultValue = "128",
      description = "Most tokens to generate (default: ${DEFAULT-VALUE}).")
  int maxTokens;

  @Option(
      names = "--temperature",
      defaultValue = "0.8",
      description = "0 for greedy (default: ${DEFAULT-VALUE}).")
  float temperature;

  @Option(names = "--top-p", defaultValue = "0.9", description = "Nucleus (default: 0.9).")
  float topP;

  @Option(names = "--top-k", defaultValue = "0", description = "Top-k, 0 = off (default: 0).")
  int topK;

  @Option(names = "--stop", split = ",", description = "Stop strings (comma-separated).")
  List<String> stop;

  @Option(
      names = "--threads",
      description = "Threads of the fast path (default: one per core, at most 8).")
  Integer threads;

  @Option(
      names = "--context",
      description = "Cut the model's context (and KV cache) to this many positions.")
  Integer context;

  @Option(names = "--scalar", description = "Use the portable scalar path instead.")
  boolean scalar;

  @Option(
      names = "--kv-type",
      description =
          "Keys and values of the fast path's KV cache: f16 (off the heap, where the native kernels"
              + " run) or f32 (default: WASMGRID_LLM_KV, else f16).")
  String kvType;

  @Option(
      names = "--raw",
      description = "Write the text unchanged, control characters included (for a file or pipe).")
  boolean raw;

  @Mixin ProgressOptions progress;

  private TensorType kvType() {
    try {
      return kvType == null ? VectorCompute.defaultKvType() : VectorCompute.kvType(kvType);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--kv-type: " + e.getMessage());
    }
  }

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    Model m = context == null ? load(out) : load(out).withContext(context);
    GenerationConfig cfg =
        new GenerationConfig(
            maxTokens, temperature, topK, topP, seed, stop == null ? List.of() : stop, false);
    int t = threads == null ? VectorCompute.autoThreads() : threads;
    Compute compute = scalar ? new ScalarCompute() : new VectorCompute(t, kvType());
    try (LanguageModel lm = new LanguageModel(m, compute)) {
      // The native kernels' copies, made before the clock of ttft_ms starts.
      lm.prepare();
      out.print(shown(prompt));
      GenerationStats s =
          lm.stream(
              prompt,
              cfg,
              piece -> {
                out.print(shown(piece.text()));
                out.flush();
                return true;
              });
      out.println();
      out.flush();
      spec.commandLine()
          .getErr()
          .println(
              String.format(
                  Locale.ROOT,
                  "tokens=%d tok/s=%.1f ttft_ms=%.1f prompt_tokens=%d stop=%s compute=%s",
                  s.tokens(),
                  s.tokensPerSecond(),
                  s.timeToFirstTokenMs(),
                  s.promptTokens(),
                  s.stopReason(),
                  compute.name()));
    }
    return 0;
  }

  private String shown(String text) {
    return raw ? text : TerminalText.visible(text);
  }

  /** The model, its loading shown as a line of its own when progress is a bar. */
  private Model load(PrintWriter out) throws IOException {
    if (progress.mode() != ProgressMode.BAR) {
      return load();
    }
    ProgressBar bar = new ProgressBar(out, "model");
    bar.status("loading " + model + " ...");
    long start = System.nanoTime();
    try {
      Model loaded = load();
      bar.finish(
          String.format(
              Locale.ROOT, "%s loaded in %.2f s", model, (System.nanoTime() - start) / 1e9));
      return loaded;
    } finally {
      bar.finish("not loaded"); // nothing when finished above
    }
  }

  private Model load() throws IOException {
    if (!model.equals("tiny")) {
      Path path = Path.of(model);
      if (!Files.isRegularFile(path)) {
        throw new IllegalArgumentException("--model: no such file: " + path);
      }
      return ModelFiles.load(path, tokenizer);
    }
    Path file = ModelFiles.writeTiny();
    try {
      return ModelFiles.load(file, null);
    } finally {
      Files.deleteIfExists(file);
    }
  }
}
