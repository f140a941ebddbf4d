package dev.wasmgrid.llm;

import java.util.List;
import java.util.concurrent.Executor;

/**
 * The runtime's API, after seed 004's: {@code generate}, {@code stream} with a callback, an async
 * token stream and a {@link java.util.concurrent.Flow.Publisher}, {@code modelInfo}, {@code
 * setConfig}, {@code formatChat}, {@code version}. One generation runs at a time (the KV cache is
 * the model's); starting a second while one runs fails.
 */
public final class LanguageModel implements AutoCloseable {

  private static final String VERSION = "0.1.0";

  private final Model model;
  private final Compute compute;
  private final Transformer transformer;
  private final Tokenizer tokenizer;
  private GenerationConfig config = GenerationConfig.defaults();
  private boolean busy;

  /** Receives tokens as they are generated; returning false stops the generation. */
  @FunctionalInterface
  public interface TokenCallback {
    boolean onToken(TokenPiece piece);
  }

  /** A finished generation's text and figures. */
  public record Result(String text, GenerationStats stats) {}

  /** Serves {@code model} with {@code compute}, which this object closes. */
  public LanguageModel(Model model, Compute compute) {
    this.model = model;
    this.compute = compute;
    this.transformer = new Transformer(model.config(), model.weights(), compute);
    this.tokenizer = new Tokenizer(model.vocabulary());
  }

  /** The runtime's version. */
  public static String version() {
    return VERSION;
  }

  public Tokenizer tokenizer() {
    return tokenizer;
  }

  /** The configuration that calls without one use. */
  public synchronized GenerationConfig config() {
    return config;
  }

  /** Replaces the default configuration; generations already running keep theirs. */
  public synchronized void setConfig(GenerationConfig newConfig) {
    this.config = java.util.Objects.requireNonNull(newConfig, "config");
  }

  /**
   * Starts a generation to pull tokens from; close it to free the model.
   *
   * @throws IllegalStateException if another generation is running
   */
  public synchronized Generation start(String prompt, GenerationConfig cfg) {
    if (busy) {
      throw new IllegalStateException("a generation is already running on this model");
    }
    Generation g = new Generation(transformer, tokenizer, prompt, cfg, this::release);
    busy = true;
    return g;
  }

  private synchronized void release() {
    busy = false;
  }

  /** Generates with the current configuration. */
  public Result generate(String prompt) {
    return generate(prompt, config());
  }

  /** Generates the whole continuation of {@code prompt}. */
  public Result generate(String prompt, GenerationConfig cfg) {
    StringBuilder text = new StringBuilder();
    GenerationStats stats =
        stream(
            prompt,
            cfg,
            piece -> {
              text.append(piece.text());
              return true;
            });
    return new Result(text.toString(), stats);
  }

  /** Streams with the current configuration. */
  public GenerationStats stream(String prompt, TokenCallback callback) {
    return stream(prompt, config(), callback);
  }

  /** Hands each token to {@code callback} as it is generated, and returns the figures. */
  public GenerationStats stream(String prompt, GenerationConfig cfg, TokenCallback callback) {
    Generation g = start(prompt, cfg);
    try (g) {
      for (TokenPiece p = g.next(); p != null; p = g.next()) {
        if (!callback.onToken(p)) {
          break;
        }
      }
    }
    return g.stats();
  }

  /** An async stream: each {@code next()} generates one token on {@code executor}. */
  public AsyncTokenStream generateAsync(String prompt, GenerationConfig cfg, Executor executor) {
    return new AsyncTokenStream(start(prompt, cfg), executor);
  }

  /**
   * A publisher of token texts for one subscriber; the generation starts when it subscribes and
   * runs on {@code executor} as the subscriber requests.
   */
  public TokenPublisher publisher(String prompt, GenerationConfig cfg, Executor executor) {
    return new TokenPublisher(() -> start(prompt, cfg), executor);
  }

  /** The model's shape and where it came from. */
  public ModelInfo modelInfo() {
    LlamaConfig c = model.config();
    long perLayer =
        2L * c.dim()
            + 2L * c.dim() * c.dim()
            + 2L * c.dim() * c.kvDim()
            + 3L * c.dim() * c.hiddenDim();
    boolean shared = model.weights().classifier() == model.weights().tokenEmbedding();
    long params =
        (long) c.vocabSize() * c.dim() * (shared ? 1 : 2) + c.layers() * perLayer + c.dim();
    return new ModelInfo(
        model.format(),
        model.dtype().wireName(),
        c.dim(),
        c.hiddenDim(),
        c.layers(),
        c.heads(),
        c.kvHeads(),
        c.vocabSize(),
        c.seqLen(),
        params,
        model.weights().bytes(),
        compute.name());
  }

  /**
   * A conversation as one prompt, in the Llama 2 chat format: {@code [INST] <<SYS>>\n system
   * \n<</SYS>>\n\n user [/INST] assistant </s><s>[INST] user [/INST]}. The first beginning of
   * sequence is left to the tokenizer.
   */
  public String formatChat(List<ChatMessage> messages) {
    StringBuilder out = new StringBuilder();
    String system = null;
    boolean open = false;
    for (ChatMessage m : messages) {
      switch (m.role()) {
        case "system" -> system = m.content().strip();
        case "user" -> {
          if (open) {
            out.append(" [/INST]");
          }
          if (!out.isEmpty()) {
            out.append("</s><s>");
          }
          out.append("[INST] ");
          if (system != null) {
            out.append("<<SYS>>\n").append(system).append("\n<</SYS>>\n\n");
            system = null;
          }
          out.append(m.content().strip());
          open = true;
        }
        default -> {
          if (open) {
            out.append(" [/INST]");
            open = false;
          }
          out.append(' ').append(m.content().strip()).append(' ');
        }
      }
    }
    if (open) {
      out.append(" [/INST]");
    }
    return out.toString();
  }

  @Override
  public void close() {
    compute.close();
  }
}
