package dev.wasmgrid.llm;

import java.util.List;
import java.util.concurrent.Executor;

/**
 * The runtime's API, after seed 004's: {@code generate}, {@code stream} with a callback, an async
 * token stream and a {@link java.util.concurrent.Flow.Publisher}, {@code modelInfo}, {@code
 * setConfig}, {@code formatChat}, {@code version}. One generation runs at a time (the KV cache is
 * the model's); starting a second while one runs fails. Built with several streams, as many
 * generations run at once, each with its own KV cache, their steps sharing passes over the weights.
 */
public final class LanguageModel implements AutoCloseable {

  private static final String VERSION = "0.1.0";

  private final Model model;
  private final Compute compute;
  private final Transformer transformer;
  private final StreamSlots slots;
  private final PromptCache promptCache;
  private final Tokenizer tokenizer;
  private GenerationConfig config = GenerationConfig.defaults();

  /** Receives tokens as they are generated; returning false stops the generation. */
  @FunctionalInterface
  public interface TokenCallback {
    boolean onToken(TokenPiece piece);
  }

  /** A finished generation's text and figures. */
  public record Result(String text, GenerationStats stats) {}

  /** Serves {@code model} with {@code compute}, which this object closes. */
  public LanguageModel(Model model, Compute compute) {
    this(model, compute, 1, null);
  }

  /**
   * Serves {@code model} with {@code compute}, which this object closes, one generation at a time,
   * taking prompt positions from {@code promptCache} where a prompt starts like one run before.
   */
  public LanguageModel(Model model, Compute compute, PromptCache promptCache) {
    this(model, compute, 1, promptCache);
  }

  /**
   * Serves {@code model} with {@code compute}, which this object closes, running up to {@code
   * streams} generations at once: the decoding steps of those running together share each pass, so
   * the weights are read once per step for all of them, and each gives the tokens it would alone.
   */
  public LanguageModel(Model model, Compute compute, int streams) {
    this(model, compute, streams, null);
  }

  /**
   * As {@link #LanguageModel(Model, Compute, int)}, taking prompt positions from {@code
   * promptCache} (null: no cache) where a prompt starts like one run before; the cache may be
   * shared with other instances of the model.
   */
  public LanguageModel(Model model, Compute compute, int streams, PromptCache promptCache) {
    this.promptCache = promptCache;
    this.model = model;
    this.compute = compute;
    this.transformer = new Transformer(model.config(), model.weights(), compute);
    this.slots = new StreamSlots(transformer, streams);
    this.tokenizer = new Tokenizer(model.vocabulary());
  }

  /**
   * Makes now what the compute would make at each matrix's first product (the JVM's native kernels:
   * an interleaved copy of every Q8_0, Q4_0, Q5_0, Q4_1, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL
   * and IQ4_XS matrix), so that the first request does not wait for it: a server calls this before
   * it reports ready, {@code generate} before the prompt.
   */
  public void prepare() {
    for (WeightMatrix w : model.weights().matrices()) {
      compute.prepare(w);
    }
  }

  /** Generations that may run at once. */
  public int streams() {
    return slots.streams();
  }

  /**
   * The most bytes the KV caches may take: each stream's grows with its positions up to the
   * context.
   */
  public long kvCacheMaxBytes() {
    LlamaConfig c = model.config();
    return 2L * c.layers() * c.seqLen() * c.kvDim() * kvValueBytes() * slots.streams();
  }

  /** Bytes a key or value takes in the KV caches: 2 where the compute keeps F16, else 4 (F32). */
  public int kvValueBytes() {
    KvStore store = compute.kvStore(model.config());
    return store == null ? Float.BYTES : store.valueBytes();
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
   * @throws IllegalArgumentException if the prompt does not fit the context ({@link #encodePrompt})
   * @throws IllegalStateException if as many generations as the model's streams are running
   */
  public Generation start(String prompt, GenerationConfig cfg) {
    return start(encodePrompt(prompt), cfg);
  }

  /**
   * Starts a generation on a prompt already encoded by {@link #encodePrompt}, so that encoding,
   * which takes time in the prompt's length, need not hold the model.
   *
   * @throws IllegalArgumentException if a token is not in the vocabulary or the prompt does not fit
   *     the context
   * @throws IllegalStateException if as many generations as the model's streams are running
   */
  public synchronized Generation start(int[] promptTokens, GenerationConfig cfg) {
    int[] prompt = promptTokens.clone();
    if (prompt.length == 0) {
      throw new IllegalArgumentException("a prompt needs at least one token");
    }
    checkFits(prompt.length, "");
    for (int t : prompt) {
      if (t < 0 || t >= tokenizer.vocabulary().size()) {
        throw new IllegalArgumentException(
            "prompt token " + t + " is not in the vocabulary of " + tokenizer.vocabulary().size());
      }
    }
    StreamSlots.Slot slot = slots.take();
    try {
      int reused = promptCache == null ? 0 : promptCache.restore(prompt, slot.cache());
      return new Generation(
          transformer,
          slot.cache(),
          slot.runner(),
          reused,
          promptCache,
          tokenizer,
          prompt,
          cfg,
          () -> release(slot));
    } catch (RuntimeException e) {
      release(slot);
      throw e;
    }
  }

  /**
   * The prompt's token ids, beginning of sequence first. A prompt that cannot fit the context is
   * refused from its length alone, before it is encoded.
   *
   * @throws IllegalArgumentException if the prompt has as many tokens as the context or more, or a
   *     character has no token
   */
  public int[] encodePrompt(String prompt) {
    checkFits(tokenizer.minimumLength(prompt, true), "at least ");
    int[] tokens = tokenizer.encode(prompt, true);
    checkFits(tokens.length, "");
    return tokens;
  }

  /**
   * The token ids of a prompt rendered from the model's chat template, the messages' contents
   * guarded: see {@link Tokenizer#encodeTemplate}.
   *
   * @throws IllegalArgumentException if the prompt has as many tokens as the context or more, or a
   *     character has no token
   */
  public int[] encodeTemplatePrompt(String rendered) {
    int[] tokens = tokenizer.encodeTemplate(rendered, true);
    checkFits(tokens.length, "");
    return tokens;
  }

  private void checkFits(int tokens, String qualifier) {
    int context = model.config().seqLen();
    if (tokens >= context) {
      throw new IllegalArgumentException(
          "prompt has " + qualifier + tokens + " tokens; the context holds " + context);
    }
  }

  private void release(StreamSlots.Slot slot) {
    slots.release(slot);
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
            + 2L * c.dim() * c.qDim()
            + 2L * c.dim() * c.kvDim()
            + 3L * c.dim() * c.hiddenDim();
    boolean shared = model.weights().classifier() == model.weights().tokenEmbedding();
    long params =
        (long) c.vocabSize() * c.dim() * (shared ? 1 : 2)
            + c.layers() * perLayer
            + c.dim()
            + model.weights().attention().parameters();
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
   * A conversation as one prompt, in the Llama 2 chat format, for models without a chat template of
   * their own (the server renders those it has, {@link Vocabulary#chatTemplate()}): {@code [INST]
   * <<SYS>>\n system \n<</SYS>>\n\n user [/INST] assistant </s><s>[INST] user [/INST]}. The first
   * beginning of sequence is left to the tokenizer.
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
