package dev.wasmgrid.llm;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads log-probabilities off a step's logits: the log-softmax of the logits as the sampler gets
 * them (penalties and biases applied, before temperature, top-k and top-p), so they describe the
 * model's distribution whatever the sampling settings. Not thread-safe.
 */
final class LogprobReader {
  private final Tokenizer tokenizer;
  private final int top;
  private final float[] logprobs;
  private final int[] best;

  /**
   * @param top alternatives to report per token, 0 or more
   */
  LogprobReader(Tokenizer tokenizer, int vocabSize, int top) {
    this.tokenizer = tokenizer;
    this.top = Math.min(top, vocabSize);
    this.logprobs = new float[vocabSize];
    this.best = new int[this.top];
  }

  /** Keeps the log-softmax of {@code logits}, which it leaves as they are. */
  void capture(float[] logits) {
    float max = Float.NEGATIVE_INFINITY;
    for (float l : logits) {
      max = Math.max(max, l);
    }
    double sum = 0;
    for (float l : logits) {
      sum += Math.exp(l - max);
    }
    float logZ = max + (float) Math.log(sum);
    for (int i = 0; i < logits.length; i++) {
      logprobs[i] = logits[i] - logZ;
    }
  }

  /** The captured log-probabilities of {@code token}, read as it follows {@code previous}. */
  TokenLogprobs read(int previous, int token) {
    int count = 0;
    for (int id = 0; top > 0 && id < logprobs.length; id++) {
      // Insertion into the short list of the best so far; ties keep the lower id first.
      if (count < top || logprobs[id] > logprobs[best[count - 1]]) {
        int at = Math.min(count, top - 1);
        while (at > 0 && logprobs[id] > logprobs[best[at - 1]]) {
          best[at] = best[at - 1];
          at--;
        }
        best[at] = id;
        count = Math.min(count + 1, top);
      }
    }
    List<TokenLogprob> alternatives = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      alternatives.add(entry(previous, best[i]));
    }
    return new TokenLogprobs(entry(previous, token), alternatives);
  }

  private TokenLogprob entry(int previous, int id) {
    byte[] raw = tokenizer.decode(previous, id);
    List<Integer> bytes = new ArrayList<>(raw.length);
    for (byte b : raw) {
      bytes.add(b & 0xff);
    }
    return new TokenLogprob(id, new String(raw, StandardCharsets.UTF_8), bytes, logprobs[id]);
  }
}
