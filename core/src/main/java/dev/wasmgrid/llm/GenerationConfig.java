package dev.wasmgrid.llm;

import java.util.List;

/**
 * How to generate.
 *
 * @param maxTokens most tokens to generate
 * @param temperature 0 for greedy decoding
 * @param topK keep the k most likely tokens before drawing; 0 keeps all
 * @param topP nucleus: keep the smallest set reaching this probability; 0 or 1 keeps all
 * @param seed seed of the draws: the same seed gives the same tokens
 * @param stop generation ends before any of these strings, which are not output
 * @param ignoreEos keep generating past the model's stop tokens (benchmarks)
 * @param penalties added to the logits before sampling
 * @param logprobs alternatives whose log-probabilities {@link Generation#logprobs()} reports with
 *     each token's, 0 or more; -1 reports none
 */
public record GenerationConfig(
    int maxTokens,
    float temperature,
    int topK,
    float topP,
    long seed,
    List<String> stop,
    boolean ignoreEos,
    Penalties penalties,
    int logprobs) {

  /** No penalties, no log-probabilities. */
  public GenerationConfig(
      int maxTokens,
      float temperature,
      int topK,
      float topP,
      long seed,
      List<String> stop,
      boolean ignoreEos) {
    this(maxTokens, temperature, topK, topP, seed, stop, ignoreEos, Penalties.NONE, -1);
  }

  public GenerationConfig {
    stop = List.copyOf(stop);
    if (maxTokens < 1) {
      throw new IllegalArgumentException("maxTokens must be >= 1, got " + maxTokens);
    }
    if (!(temperature >= 0 && temperature <= 100)) {
      throw new IllegalArgumentException("temperature must be in [0, 100], got " + temperature);
    }
    if (topK < 0) {
      throw new IllegalArgumentException("topK must be >= 0, got " + topK);
    }
    if (!(topP >= 0 && topP <= 1)) {
      throw new IllegalArgumentException("topP must be in [0, 1], got " + topP);
    }
    if (stop.stream().anyMatch(String::isEmpty)) {
      throw new IllegalArgumentException("stop strings must not be empty");
    }
    java.util.Objects.requireNonNull(penalties, "penalties");
    if (logprobs < -1) {
      throw new IllegalArgumentException("logprobs must be >= -1, got " + logprobs);
    }
  }

  /** 128 tokens, temperature 0.8, top-k off, top-p 0.9, seed 42, no stop strings. */
  public static GenerationConfig defaults() {
    return new GenerationConfig(128, 0.8f, 0, 0.9f, 42, List.of(), false);
  }

  /** Greedy decoding of up to {@code maxTokens} tokens. */
  public static GenerationConfig greedy(int maxTokens) {
    return new GenerationConfig(maxTokens, 0, 0, 0, 0, List.of(), false);
  }

  public GenerationConfig withMaxTokens(int n) {
    return new GenerationConfig(
        n, temperature, topK, topP, seed, stop, ignoreEos, penalties, logprobs);
  }

  public GenerationConfig withTemperature(float t) {
    return new GenerationConfig(
        maxTokens, t, topK, topP, seed, stop, ignoreEos, penalties, logprobs);
  }

  public GenerationConfig withTopK(int k) {
    return new GenerationConfig(
        maxTokens, temperature, k, topP, seed, stop, ignoreEos, penalties, logprobs);
  }

  public GenerationConfig withTopP(float p) {
    return new GenerationConfig(
        maxTokens, temperature, topK, p, seed, stop, ignoreEos, penalties, logprobs);
  }

  public GenerationConfig withSeed(long s) {
    return new GenerationConfig(
        maxTokens, temperature, topK, topP, s, stop, ignoreEos, penalties, logprobs);
  }

  public GenerationConfig withStop(List<String> strings) {
    return new GenerationConfig(
        maxTokens, temperature, topK, topP, seed, strings, ignoreEos, penalties, logprobs);
  }

  public GenerationConfig withIgnoreEos(boolean ignore) {
    return new GenerationConfig(
        maxTokens, temperature, topK, topP, seed, stop, ignore, penalties, logprobs);
  }

  public GenerationConfig withPenalties(Penalties p) {
    return new GenerationConfig(
        maxTokens, temperature, topK, topP, seed, stop, ignoreEos, p, logprobs);
  }

  /** Reports each token's log-probability and {@code top} alternatives'; -1 reports none. */
  public GenerationConfig withLogprobs(int top) {
    return new GenerationConfig(
        maxTokens, temperature, topK, topP, seed, stop, ignoreEos, penalties, top);
  }
}
