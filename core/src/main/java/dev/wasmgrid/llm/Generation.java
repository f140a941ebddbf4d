package dev.wasmgrid.llm;

import java.util.List;

/**
 * One generation, pulled a token at a time: {@link #next()} runs the forward passes for the next
 * token (the whole prompt on the first call) and returns it, or null when generation has ended.
 * Handles stop strings (text that may begin one is held back until it cannot), the token limit, the
 * model's stop tokens ({@link Vocabulary#stops()}) and the end of the context. Not thread-safe.
 */
public final class Generation implements AutoCloseable {
  /** Prompt positions run in one pass: each weight matrix is read once for this many. */
  static final int PROMPT_CHUNK = 64;

  private final Transformer transformer;
  private final KvCache cache;
  private final ForwardRunner runner;

  /** The positions of the next pass, reused from pass to pass. */
  private final ForwardBatch pass = new ForwardBatch();

  /** Whether {@link #pass} holds the next step, handed to the runner ahead of the caller's call. */
  private boolean queued;

  private final int reused;
  private final PromptCache promptCache;
  private final IntList fed = new IntList();
  private final Tokenizer tokenizer;
  private final Sampler sampler;
  private final GenerationConfig config;
  private final LogitAdjuster adjuster;
  private final LogprobReader logprobReader;
  private TokenLogprobs sampled;
  private int sampledAs;
  private final Runnable onClose;
  private final int[] prompt;
  private final Utf8Stream utf8 = new Utf8Stream();
  private final StringBuilder pending = new StringBuilder();
  private int pos;
  private int last = -1;
  private int generated;
  private boolean done;
  private boolean closed;
  private String stopReason;
  private long startNanos;
  private long firstNanos;
  private long endNanos;

  /** A generation whose passes {@code runner} runs, perhaps shared with other generations'. */
  Generation(
      Transformer transformer,
      KvCache cache,
      ForwardRunner runner,
      int reused,
      PromptCache promptCache,
      Tokenizer tokenizer,
      int[] prompt,
      GenerationConfig config,
      Runnable onClose) {
    if (reused < 0 || reused >= prompt.length) {
      throw new IllegalArgumentException(
          "reused positions " + reused + " must leave a prompt token to run");
    }
    this.transformer = transformer;
    this.cache = cache;
    this.runner = runner;
    this.reused = reused;
    this.promptCache = promptCache;
    this.pos = reused;
    this.tokenizer = tokenizer;
    this.config = config;
    this.onClose = onClose;
    int vocabSize = transformer.config().vocabSize();
    this.adjuster = new LogitAdjuster(config.penalties(), vocabSize);
    this.logprobReader =
        config.logprobs() < 0 ? null : new LogprobReader(tokenizer, vocabSize, config.logprobs());
    LlamaConfig c = transformer.config();
    this.prompt = prompt;
    this.sampler =
        new Sampler(
            c.vocabSize(), config.temperature(), config.topK(), config.topP(), config.seed());
  }

  /** The prompt's token ids, beginning-of-sequence first. */
  public int[] promptTokens() {
    return prompt.clone();
  }

  /** The next token, or null once generation has ended. */
  public TokenPiece next() {
    boolean stepped = false;
    try {
      TokenPiece piece = step();
      stepped = true;
      return piece;
    } finally {
      // What the caller does with the token is no reason to hold up other generations' passes:
      // the next step is queued now, to run with theirs. Not after a failure: a step that failed
      // is retried only if the caller asks again, never in the others' passes behind its back.
      if (stepped && !done && pos < transformer.config().seqLen()) {
        pass.clear();
        pass.add(cache, last, pos, true);
        queued = true;
        runner.ahead(pass);
      } else {
        queued = false;
        runner.pause();
      }
    }
  }

  private TokenPiece step() {
    if (done) {
      return null;
    }
    sampled = null;
    float[] logits;
    if (last < 0) {
      startNanos = System.nanoTime();
      runPrompt();
      logits = cache.logits();
    } else {
      if (pos >= transformer.config().seqLen()) {
        return finish("context", last);
      }
      // Counted only once run, so a failed pass never offers half-written positions to a cache.
      if (!queued) {
        pass.clear();
        pass.add(cache, last, pos, true);
      }
      queued = false;
      runner.forward(pass);
      logits = cache.logits();
      pos++;
      fed.add(last);
    }
    int token = sample(logits);
    if (generated == 0) {
      firstNanos = System.nanoTime();
    }
    int previous = last < 0 ? prompt[prompt.length - 1] : last;
    last = token;
    if (tokenizer.vocabulary().isStop(token) && !config.ignoreEos()) {
      return finish("eos", token);
    }
    generated++;
    pending.append(utf8.push(tokenizer.decode(previous, token)));
    int stopAt = earliestStop();
    if (stopAt >= 0) {
      String text = pending.substring(0, stopAt);
      pending.setLength(0);
      end("stop");
      return new TokenPiece(token, text);
    }
    if (generated >= config.maxTokens()) {
      String text = pending + utf8.flush();
      pending.setLength(0);
      end("max_tokens");
      return new TokenPiece(token, text);
    }
    int keep = heldBack();
    String text = pending.substring(0, pending.length() - keep);
    pending.delete(0, pending.length() - keep);
    return new TokenPiece(token, text);
  }

  /** The prompt's positions not taken from a cache, {@link #PROMPT_CHUNK} per pass. */
  private void runPrompt() {
    while (pos < prompt.length) {
      pass.clear();
      int end = Math.min(prompt.length, pos + PROMPT_CHUNK);
      for (; pos < end; pos++) {
        pass.add(cache, prompt[pos], pos, pos == prompt.length - 1);
      }
      runner.forward(pass);
    }
    fed.addAll(prompt, prompt.length);
    keep();
  }

  /** Offers the positions run so far to the prompt cache, if there is one. */
  private void keep() {
    if (promptCache != null && pos == fed.size()) {
      promptCache.store(fed.toArray(), pos, cache);
    }
  }

  /** Prompt positions taken from a cached sequence rather than run. */
  public int reusedPromptTokens() {
    return reused;
  }

  /**
   * The log-probabilities of the token the last {@link #next()} added to the text, or null: none
   * were asked for ({@link GenerationConfig#logprobs()}), or that call added no token (it drew the
   * end of sequence, or the context was full).
   */
  public TokenLogprobs logprobs() {
    return sampledAs == generated ? sampled : null;
  }

  /** Penalises, reads the log-probabilities off the logits, then draws the token. */
  private int sample(float[] logits) {
    adjuster.apply(logits);
    if (logprobReader != null) {
      logprobReader.capture(logits);
    }
    int token = sampler.sample(logits);
    adjuster.accept(token);
    if (logprobReader != null) {
      sampled = logprobReader.read(last < 0 ? prompt[prompt.length - 1] : last, token);
      sampledAs = generated + 1;
    }
    return token;
  }

  /** True once {@link #next()} has returned its last token. */
  public boolean isDone() {
    return done;
  }

  /** Figures so far; final once {@link #isDone()}. */
  public GenerationStats stats() {
    long end = done ? endNanos : System.nanoTime();
    double ttft = generated == 0 && !done ? 0 : (firstNanos - startNanos) / 1e6;
    double total = startNanos == 0 ? 0 : (end - startNanos) / 1e6;
    double tps;
    if (generated > 1) {
      tps = (generated - 1) / ((end - firstNanos) / 1e9);
    } else {
      tps = generated == 1 ? 1 / ((firstNanos - startNanos) / 1e9) : 0;
    }
    return new GenerationStats(
        prompt.length, generated, ttft, total, tps, stopReason == null ? "" : stopReason, reused);
  }

  /** Ends the generation early (reason {@code cancelled}) and frees the model for another one. */
  @Override
  public void close() {
    if (!done) {
      end("cancelled");
    }
    if (!closed) {
      closed = true;
      if (queued) {
        // Taken back (or waited for, if in a pass) before the cache is offered or freed.
        queued = false;
        runner.pause();
      }
      keep();
      onClose.run();
    }
  }

  private TokenPiece finish(String reason, int token) {
    String text = pending + utf8.flush();
    pending.setLength(0);
    end(reason);
    return text.isEmpty() ? null : new TokenPiece(token, text);
  }

  private void end(String reason) {
    done = true;
    stopReason = reason;
    endNanos = System.nanoTime();
    if (startNanos == 0) {
      startNanos = endNanos;
    }
    if (firstNanos == 0) {
      firstNanos = endNanos;
    }
  }

  private int earliestStop() {
    int best = -1;
    for (String s : config.stop()) {
      int at = pending.indexOf(s);
      if (at >= 0 && (best < 0 || at < best)) {
        best = at;
      }
    }
    return best;
  }

  /** Length of the longest end of the pending text that could begin a stop string. */
  private int heldBack() {
    List<String> stops = config.stop();
    int keep = 0;
    for (String s : stops) {
      for (int n = Math.min(s.length() - 1, pending.length()); n > keep; n--) {
        if (pending.substring(pending.length() - n).equals(s.substring(0, n))) {
          keep = n;
          break;
        }
      }
    }
    return keep;
  }
}
