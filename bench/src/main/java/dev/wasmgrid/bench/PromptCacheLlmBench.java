package dev.wasmgrid.bench;

import dev.wasmgrid.llm.Generation;
import dev.wasmgrid.llm.GenerationConfig;
import dev.wasmgrid.llm.LanguageModel;
import dev.wasmgrid.llm.Model;
import dev.wasmgrid.llm.PromptCache;
import dev.wasmgrid.llm.TensorType;
import dev.wasmgrid.llm.gguf.QuantMix;
import dev.wasmgrid.llm.jvm.ModelFiles;
import dev.wasmgrid.llm.jvm.VectorCompute;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code bench llm}'s prompt-cache lines: time to first token of prompts that share a long prefix
 * (a system prompt, a chat's earlier turns), with the prefix's positions taken from the prompt
 * cache ({@code prefix_cached} "true") and run ({@code "false"}), and their ratio. Each prompt ends
 * in its own tokens, so only the prefix can come from the cache; the median of a few prompts is
 * reported.
 */
final class PromptCacheLlmBench {

  private static final int ROUNDS = 5;
  private static final int TAIL = 16;

  private PromptCacheLlmBench() {}

  /**
   * Measures {@code shape} in q8_0 on one thread with a shared prefix of {@code prefixTokens}, on
   * the bench's GGUF file of it loaded as {@code generate} and {@code serve} load one.
   */
  static void run(
      LlmBench.Shape shape, LlmBench.Options options, int prefixTokens, BenchReport report) {
    if (prefixTokens + TAIL + 2 > shape.config().seqLen()) {
      throw new IllegalArgumentException(
          "a prefix of " + prefixTokens + " does not fit " + shape.name() + "'s context");
    }
    ShapedLlmBench.withFile(
        shape.modelShape(),
        QuantMix.Q8_0,
        options,
        report,
        file -> run(shape, ModelFiles.load(file, null), prefixTokens, report));
  }

  private static void run(
      LlmBench.Shape shape, Model loaded, int prefixTokens, BenchReport report) {
    TensorType dtype = TensorType.Q8_0;
    int threads = 1;
    report.progress(
        "llm: %s %s threads=%d: time to first token after a %d-token shared prefix, cached and not ..."
            .formatted(shape.name(), dtype.wireName(), threads, prefixTokens));
    // The file declares a long context; the prompts need only theirs.
    Model model = loaded.withContext(prefixTokens + TAIL + 8);
    GenerationConfig one = GenerationConfig.greedy(1).withIgnoreEos(true);
    int[] prefix = tokens(1, prefixTokens, shape.config().vocabSize());
    double[] cold = new double[ROUNDS];
    double[] warm = new double[ROUNDS];
    try (LanguageModel plain = new LanguageModel(model, new VectorCompute(threads));
        LanguageModel cached =
            new LanguageModel(model, new VectorCompute(threads), new PromptCache(1L << 30))) {
      ttft(plain, prompt(prefix, 0, shape), one); // the JIT's first pass, not timed
      ttft(cached, prompt(prefix, 0, shape), one); // keeps the prefix
      for (int r = 0; r < ROUNDS; r++) {
        cold[r] = ttft(plain, prompt(prefix, r + 1, shape), one);
        warm[r] = ttft(cached, prompt(prefix, r + 1, shape), one);
      }
    }
    double uncachedMs = LlmBench.median(cold);
    double cachedMs = LlmBench.median(warm);
    for (boolean hit : new boolean[] {false, true}) {
      report.metric(
          "llm",
          params(shape, dtype, threads, prefixTokens, hit),
          "ttft_ms",
          hit ? cachedMs : uncachedMs,
          "ms");
    }
    Map<String, Object> params = params(shape, dtype, threads, prefixTokens, true);
    params.remove("prefix_cached");
    report.metric("llm", params, "ratio_cached_over_uncached_ttft", cachedMs / uncachedMs, "x");
  }

  private static Map<String, Object> params(
      LlmBench.Shape shape, TensorType dtype, int threads, int prefixTokens, boolean cached) {
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("shape", shape.name());
    params.put("dtype", dtype.wireName());
    params.put("threads", threads);
    params.put("prefix_tokens", prefixTokens);
    params.put("prefix_cached", Boolean.toString(cached));
    return params;
  }

  private static double ttft(LanguageModel lm, int[] prompt, GenerationConfig cfg) {
    try (Generation g = lm.start(prompt, cfg)) {
      while (g.next() != null) {
        // one token
      }
      return g.stats().timeToFirstTokenMs();
    }
  }

  /** The prefix, then {@value #TAIL} tokens of its own for prompt {@code n}. */
  private static int[] prompt(int[] prefix, int n, LlmBench.Shape shape) {
    int[] tail = tokens(1000 + n, TAIL, shape.config().vocabSize());
    int[] p = Arrays.copyOf(prefix, prefix.length + TAIL);
    System.arraycopy(tail, 0, p, prefix.length, TAIL);
    return p;
  }

  private static int[] tokens(int seed, int n, int vocab) {
    int[] t = new int[n];
    for (int i = 0; i < n; i++) {
      t[i] = 3 + (int) ((seed * 104729L + i * 7919L) % (vocab - 3));
    }
    return t;
  }
}
