package dev.wasmgrid.llm;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One generation, pulled a token at a time: {@link #next()} runs the forward passes for the next
 * token (the whole prompt on the first call) and returns it, or null when generation has ended.
 * Handles stop strings (text that may begin one is held back until it cannot), the token limit, the
 * model's stop tokens ({@link Vocabulary#stops()}) and the end of the context. Not thread-safe: one
 * caller at a time. When its passes are shared with other generations', its tokens may be chosen on
 * the threads that ran a pass, up to {@link ForwardRunner#AHEAD} ahead of the caller.
 */
public final class Generation implements AutoCloseable {
  /** Prompt positions run in one pass: each weight matrix is read once for this many. */
  static final int PROMPT_CHUNK = 64;

  private final Transformer transformer;
  private final KvCache cache;
  private final ForwardRunner runner;

  /** The positions of the next pass, reused from pass to pass. */
  private final ForwardBatch pass = new ForwardBatch();

  /** Chooses the token from a decoding pass's logits, perhaps on a thread that ran the pass. */
  private final ForwardRunner.AfterPass choose = this::afterDecodePass;

  /*
   * The decoding passes' outcomes not yet returned, oldest first: each pass's piece, its
   * log-probabilities, and whether another pass follows. Written by the thread that chose them,
   * read by the caller once the runner has handed it that pass (so after the writes); never more
   * than AHEAD unread besides the one being read.
   */
  private static final int RING = ForwardRunner.AHEAD + 1;
  private final TokenPiece[] chosenPieces = new TokenPiece[RING];
  private final TokenLogprobs[] chosenLogprobs = new TokenLogprobs[RING];
  private final boolean[] chosenMore = new boolean[RING];
  private int chosenCount;
  private int returnedCount;

  // The caller's side: whether no pass follows the last one returned (the choosing state is the
  // caller's again), whether the last piece has been returned, and that piece's log-probabilities.
  private boolean quiet;
  private boolean ended;
  private TokenLogprobs returnedLogprobs;

  private final int reused;
  private final PromptCache promptCache;
  private final IntList fed = new IntList();
  private final Tokenizer tokenizer;
  private final Sampler sampler;
  private final GenerationConfig config;
  private final LogitAdjuster adjuster;
  private final LogprobReader logprobReader;
  private TokenLogprobs sampled;
  private boolean added;
  private final Runnable onClose;
  private final int[] prompt;
  private final Utf8Stream utf8 = new Utf8Stream();
  private final StringBuilder pending = new StringBuilder();
  private int pos;
  private int last = -1;
  // Volatile (or atomic) for stats() while a pass's thread chooses.
  private final AtomicInteger generated = new AtomicInteger();
  private volatile boolean done;
  private boolean closed;
  private volatile String stopReason;
  private volatile long startNanos;
  private volatile long firstNanos;
  private volatile long endNanos;

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
            c.vocabSize(),
            config.temperature(),
            config.topK(),
            config.topP(),
            config.seed(),
            transformer.compute());
  }

  /** The prompt's token ids, beginning-of-sequence first. */
  public int[] promptTokens() {
    return prompt.clone();
  }

  /** The next token, or null once generation has ended. */
  public TokenPiece next() {
    if (ended) {
      return null;
    }
    boolean stepped = false;
    try {
      TokenPiece piece = quiet ? finalStep() : step();
      stepped = true;
      return piece;
    } finally {
      if (!stepped) {
        // Not after a failure: a step that failed is retried only if the caller asks again, never
        // in the others' passes behind its back.
        runner.pause();
      }
    }
  }

  private TokenPiece step() {
    if (last < 0) {
      startNanos = System.nanoTime();
      runPrompt();
      TokenPiece piece = choose(cache.logits());
      returnedLogprobs = chosenLogprobs();
      if (hasNextStep()) {
        // What the caller does with the token is no reason to hold up other generations' passes:
        // the next step is queued now, to run with theirs.
        queueNextStep();
        runner.ahead(pass, choose);
      } else {
        quiet = true;
        ended = done;
      }
      return piece;
    }
    runner.forward(pass, choose);
    int slot = returnedCount++ % RING;
    TokenPiece piece = chosenPieces[slot];
    returnedLogprobs = chosenLogprobs[slot];
    if (!chosenMore[slot]) {
      quiet = true;
      ended = done;
    }
    chosenPieces[slot] = null;
    chosenLogprobs[slot] = null;
    return piece;
  }

  /** The call after the last pass: the generation ended there, or the context is full. */
  private TokenPiece finalStep() {
    returnedLogprobs = null;
    ended = true;
    return done ? null : finish("context", last);
  }

  /**
   * The work on a decoding pass's outcome, run once it has: the position counted (only now, so a
   * failed pass never offers half-written positions to a cache), the token chosen, and the next
   * step put in {@link #pass} if there is one.
   */
  private boolean afterDecodePass() {
    pos++;
    fed.add(last);
    TokenPiece piece = choose(cache.logits());
    boolean more = hasNextStep();
    if (more) {
      queueNextStep();
    }
    int slot = chosenCount++ % RING;
    chosenPieces[slot] = piece;
    chosenLogprobs[slot] = chosenLogprobs();
    chosenMore[slot] = more;
    return more;
  }

  private boolean hasNextStep() {
    return !done && pos < transformer.config().seqLen();
  }

  private void queueNextStep() {
    pass.clear();
    pass.add(cache, last, pos, true);
  }

  /** Samples the token after {@code logits} and makes the text it adds, or ends the generation. */
  private TokenPiece choose(float[] logits) {
    added = false;
    int token = sample(logits);
    if (generated.get() == 0) {
      firstNanos = System.nanoTime();
    }
    int previous = last < 0 ? prompt[prompt.length - 1] : last;
    last = token;
    if (tokenizer.vocabulary().isStop(token) && !config.ignoreEos()) {
      return finish("eos", token);
    }
    generated.incrementAndGet();
    added = true;
    pending.append(utf8.push(tokenizer.decode(previous, token)));
    int stopAt = earliestStop();
    if (stopAt >= 0) {
      String text = pending.substring(0, stopAt);
      pending.setLength(0);
      end("stop");
      return new TokenPiece(token, text);
    }
    if (generated.get() >= config.maxTokens()) {
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
    // A new prompt is kept at once, for others that may send it soon (a shared system prompt). One
    // that only extends a kept sequence with its own tokens (a chat's next turn, a question after a
    // shared prefix) is kept when the generation closes, with its answer: copying its positions
    // here (30 MB for 416 of stories110M, and the heap growing for it) came before its first token.
    if (reused == 0) {
      keep();
    }
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
    return returnedLogprobs;
  }

  /** Those of the token just chosen, if it was added to the text. */
  private TokenLogprobs chosenLogprobs() {
    return added ? sampled : null;
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
    }
    return token;
  }

  /** True once {@link #next()} has returned its last token. */
  public boolean isDone() {
    return ended;
  }

  /** Figures so far; final once {@link #isDone()}. */
  public GenerationStats stats() {
    long end = done ? endNanos : System.nanoTime();
    int generated = this.generated.get();
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
    if (!closed) {
      closed = true;
      // Its next step taken back (or waited for, if in a pass) before the state is touched here,
      // or the cache offered or freed.
      runner.pause();
      ended = true;
      if (!done) {
        end("cancelled");
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
