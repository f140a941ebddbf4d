package dev.wasmgrid.llm;

import java.util.Map;

/**
 * Applies a generation's {@link Penalties} to each step's logits before the sampler sees them, and
 * counts the tokens generated so far for the penalties. Not thread-safe.
 */
final class LogitAdjuster {
  private final Penalties penalties;
  private final int[] counts;
  private final int[] biasIds;
  private final float[] biases;

  LogitAdjuster(Penalties penalties, int vocabSize) {
    for (int id : penalties.logitBias().keySet()) {
      if (id >= vocabSize) {
        throw new IllegalArgumentException(
            "logitBias names token " + id + "; the vocabulary has " + vocabSize + " tokens");
      }
    }
    this.penalties = penalties;
    boolean penalised = penalties.presencePenalty() != 0 || penalties.frequencyPenalty() != 0;
    this.counts = penalised ? new int[vocabSize] : null;
    this.biasIds = new int[penalties.logitBias().size()];
    this.biases = new float[biasIds.length];
    int i = 0;
    for (Map.Entry<Integer, Float> e : penalties.logitBias().entrySet()) {
      biasIds[i] = e.getKey();
      biases[i++] = e.getValue();
    }
  }

  /** Adjusts {@code logits} in place for the next token. */
  void apply(float[] logits) {
    for (int i = 0; i < biasIds.length; i++) {
      logits[biasIds[i]] += biases[i];
    }
    if (counts == null) {
      return;
    }
    float presence = penalties.presencePenalty();
    float frequency = penalties.frequencyPenalty();
    for (int id = 0; id < counts.length; id++) {
      int c = counts[id];
      if (c > 0) {
        logits[id] -= presence + frequency * c;
      }
    }
  }

  /** Counts a generated token. */
  void accept(int token) {
    if (counts != null) {
      counts[token]++;
    }
  }
}
