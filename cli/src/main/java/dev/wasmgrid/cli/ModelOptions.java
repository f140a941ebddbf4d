package dev.wasmgrid.cli;

import dev.wasmgrid.cli.progress.ProgressBar;
import dev.wasmgrid.cli.progress.ProgressMode;
import dev.wasmgrid.llm.ModelFormatException;
import dev.wasmgrid.llm.jvm.VectorCompute;
import dev.wasmgrid.llm.worker.ModelHosts;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The language-model options of {@code worker} and {@code serve}. */
final class ModelOptions {

  @Option(
      names = "--model",
      paramLabel = "PATH|tiny",
      description =
          "Serve a language model on /v1/generate, /v1/completions and /v1/chat/completions: a"
              + " .gguf file, a llama2.c .bin checkpoint (tokenizer.bin beside it), or 'tiny' (a"
              + " small random-weight model). Repeatable; the first is the default.")
  List<String> models = List.of();

  @Option(
      names = "--model-slots",
      defaultValue = "1",
      description =
          "Generations each model runs at once, on its --threads compute threads: their decoding"
              + " steps share each pass over the weights (a new one joins at the next step), each"
              + " with its own KV cache of up to --context positions, so a model's KV memory is at"
              + " most slots x context x layers x 2 x kv-dim x 4 bytes (default: ${DEFAULT-VALUE}).")
  int slots;

  @Option(
      names = "--context",
      defaultValue = "4096",
      description =
          "Positions each model keeps (its KV cache per slot); a file declaring more is cut to"
              + " this, as files often declare far more than a task needs (default:"
              + " ${DEFAULT-VALUE}).")
  int context;

  @Option(
      names = "--prompt-cache-mb",
      defaultValue = "" + ModelHosts.DEFAULT_PROMPT_CACHE_MB,
      description =
          "Megabytes of keys and values each model keeps from earlier requests, so a prompt"
              + " starting like one before (a shared system prompt, a chat's earlier turns) skips"
              + " those positions; the least recently used go first; 0 turns it off (default:"
              + " ${DEFAULT-VALUE}).")
  int promptCacheMb;

  @Option(
      names = "--generation-queue",
      defaultValue = "8",
      description =
          "Requests that may wait per model while all its slots generate; more get 503"
              + " (default: ${DEFAULT-VALUE}).")
  int queue;

  /**
   * Loads the models, or fails the command with the reader's message.
   *
   * @param threads threads of each model's Vector API path, shared by its slots, or null for {@link
   *     VectorCompute#autoThreads}
   * @param progress BAR to show the loading as a line of its own on stdout
   */
  ModelHosts load(CommandLine commandLine, Integer threads, ProgressMode progress) {
    if (queue < 0) {
      throw new CommandLine.ParameterException(
          commandLine, "--generation-queue must be >= 0, got " + queue);
    }
    if (slots < 1) {
      throw new CommandLine.ParameterException(
          commandLine, "--model-slots must be >= 1, got " + slots);
    }
    if (promptCacheMb < 0) {
      throw new CommandLine.ParameterException(
          commandLine, "--prompt-cache-mb must be >= 0, got " + promptCacheMb);
    }
    if (context < 1) {
      throw new CommandLine.ParameterException(
          commandLine, "--context must be >= 1, got " + context);
    }
    ProgressBar bar =
        progress == ProgressMode.BAR && !models.isEmpty()
            ? new ProgressBar(new PrintWriter(System.out, true, System.out.charset()), "models")
            : null;
    if (bar != null) {
      bar.status("loading " + String.join(", ", models) + " ...");
    }
    try {
      long start = System.nanoTime();
      int t = threads == null ? VectorCompute.autoThreads() : threads;
      ModelHosts hosts = ModelHosts.load(models, t, slots, queue, context, promptCacheMb);
      if (bar != null) {
        bar.finish(
            String.format(
                Locale.ROOT,
                "%s loaded in %.2f s",
                String.join(", ", models),
                (System.nanoTime() - start) / 1e9));
      }
      return hosts;
    } catch (ModelFormatException e) {
      throw new CommandLine.ParameterException(commandLine, "--model: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new CommandLine.ParameterException(
          commandLine, "--model: cannot read: " + e.getMessage(), e);
    } finally {
      if (bar != null) {
        bar.finish("not loaded"); // nothing when finished above
      }
    }
  }
}
