package dev.wasmgrid.llm;

import java.util.Map;

/**
 * What is added to the logits before sampling, as OpenAI's API defines it: each token's logit gets
 * its {@code logitBias} added, and loses {@code presencePenalty} once it has been generated and
 * {@code frequencyPenalty} for every time it has been generated (the prompt's tokens do not count).
 *
 * @param presencePenalty in [-2, 2]; positive values push towards new tokens
 * @param frequencyPenalty in [-2, 2]; positive values push away from repeating tokens
 * @param logitBias token id to a bias in [-100, 100]
 */
public record Penalties(
    float presencePenalty, float frequencyPenalty, Map<Integer, Float> logitBias) {
  /** Nothing added: the model's own logits. */
  public static final Penalties NONE = new Penalties(0, 0, Map.of());

  /** The most a penalty may be, either way. */
  public static final float MAX_PENALTY = 2;

  /** The most a bias may be, either way. */
  public static final float MAX_BIAS = 100;

  public Penalties {
    logitBias = Map.copyOf(logitBias);
    if (!(Math.abs(presencePenalty) <= MAX_PENALTY)) {
      throw new IllegalArgumentException(
          "presencePenalty must be in [-2, 2], got " + presencePenalty);
    }
    if (!(Math.abs(frequencyPenalty) <= MAX_PENALTY)) {
      throw new IllegalArgumentException(
          "frequencyPenalty must be in [-2, 2], got " + frequencyPenalty);
    }
    for (Map.Entry<Integer, Float> e : logitBias.entrySet()) {
      if (e.getKey() < 0 || !(Math.abs(e.getValue()) <= MAX_BIAS)) {
        throw new IllegalArgumentException(
            "logitBias needs token ids >= 0 and biases in [-100, 100], got "
                + e.getKey()
                + ": "
                + e.getValue());
      }
    }
  }

  /** Whether this changes no logit. */
  public boolean isNone() {
    return presencePenalty == 0 && frequencyPenalty == 0 && logitBias.isEmpty();
  }
}
