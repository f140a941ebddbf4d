package dev.wasmgrid.llm.worker;

import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.llm.LanguageModel;
import dev.wasmgrid.llm.Model;
import dev.wasmgrid.llm.ModelFormatException;
import dev.wasmgrid.llm.PromptCache;
import dev.wasmgrid.llm.jvm.ModelFiles;
import dev.wasmgrid.llm.jvm.VectorCompute;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The models a worker serves, by name; the first is the default for requests that name none. */
public final class ModelHosts implements AutoCloseable {
  /** The name {@code --model tiny} serves under. */
  public static final String TINY = "tiny";

  private final Map<String, HostedModel> models;

  public ModelHosts(List<HostedModel> models) {
    Map<String, HostedModel> byName = new LinkedHashMap<>();
    for (HostedModel m : models) {
      if (byName.putIfAbsent(m.name(), m) != null) {
        throw new IllegalArgumentException("two models are named " + m.name());
      }
    }
    this.models = byName;
  }

  /** No models: the language-model routes answer 404 for every model. */
  public static ModelHosts none() {
    return new ModelHosts(List.of());
  }

  /**
   * Loads each of {@code specs}: a GGUF or llama2.c file (named after the file without its
   * extension), or {@code tiny} (a small random-weight model written to a temporary file).
   *
   * @param threads threads of each model's Vector API path
   * @param slots generations each model may run at once, each with its own KV cache (up to the
   *     context), their decoding steps sharing each pass over the weights
   * @param queue requests that may wait per model while every slot generates
   * @param context the most positions a model keeps (its KV cache); a file declaring more is cut to
   *     it, since real files declare up to 131,072 (8.6 GB of cache for a 1B model)
   * @throws ModelFormatException when a file is not a model this runtime reads (the message names
   *     it)
   * @throws IOException when a file cannot be read
   */
  public static ModelHosts load(List<String> specs, int threads, int slots, int queue, int context)
      throws IOException {
    return load(specs, threads, slots, queue, context, DEFAULT_PROMPT_CACHE_MB);
  }

  /**
   * As {@link #load(List, int, int, int, int)}, with each model's prompt cache bounded to {@code
   * promptCacheMb} megabytes of keys and values, shared by its slots (0: no cache).
   */
  public static ModelHosts load(
      List<String> specs, int threads, int slots, int queue, int context, int promptCacheMb)
      throws IOException {
    if (promptCacheMb < 0) {
      throw new IllegalArgumentException("promptCacheMb must be >= 0, got " + promptCacheMb);
    }
    if (slots < 1) {
      throw new IllegalArgumentException("slots must be >= 1, got " + slots);
    }
    List<HostedModel> loaded = new ArrayList<>();
    try {
      for (String spec : specs) {
        String name = spec.equals(TINY) ? TINY : nameOf(Path.of(spec));
        Path file = spec.equals(TINY) ? ModelFiles.writeTiny() : Path.of(spec);
        if (!Files.isRegularFile(file)) {
          throw new IOException("no such model file: " + file);
        }
        Model model;
        try {
          model = ModelFiles.load(file, null).withContext(context);
        } catch (ModelFormatException e) {
          throw new ModelFormatException(spec + ": " + e.getMessage());
        } finally {
          if (spec.equals(TINY)) {
            // Loaded (or not) by now: a mapping outlives the name, and a killed process leaves
            // no file behind.
            Files.deleteIfExists(file);
          }
        }
        PromptCache cache = promptCacheMb == 0 ? null : new PromptCache((long) promptCacheMb << 20);
        LanguageModel lm = new LanguageModel(model, new VectorCompute(threads), slots, cache);
        loaded.add(new HostedModel(name, lm, queue));
        // The first request would otherwise wait for the native kernels' copies.
        lm.prepare();
      }
    } catch (IOException | RuntimeException e) {
      loaded.forEach(HostedModel::close);
      throw e;
    }
    return new ModelHosts(loaded);
  }

  private static String nameOf(Path file) {
    String n = file.getFileName().toString();
    int dot = n.lastIndexOf('.');
    return dot > 0 ? n.substring(0, dot) : n;
  }

  /** Megabytes of keys and values each model's prompt cache keeps unless told otherwise. */
  public static final int DEFAULT_PROMPT_CACHE_MB = 256;

  /** The served models, the default first. */
  public List<HostedModel> list() {
    return List.copyOf(models.values());
  }

  public boolean isEmpty() {
    return models.isEmpty();
  }

  /**
   * The model named {@code name}, or the default when {@code name} is null.
   *
   * @throws Failure 404 {@code model_not_found}
   */
  public HostedModel find(String name) {
    HostedModel m =
        name == null ? models.values().stream().findFirst().orElse(null) : models.get(name);
    if (m == null) {
      throw new Failure(
          Failure.Kind.NOT_FOUND,
          "model_not_found",
          "model",
          (name == null ? "this server hosts no model" : "no model named '" + name + "'")
              + "; GET /v1/models lists them: "
              + models.keySet());
    }
    return m;
  }

  @Override
  public void close() {
    models.values().forEach(HostedModel::close);
  }
}
