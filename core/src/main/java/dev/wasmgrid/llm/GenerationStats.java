package dev.wasmgrid.llm;

/**
 * What a generation did.
 *
 * @param promptTokens tokens of the prompt (with the beginning-of-sequence token)
 * @param tokens tokens generated
 * @param timeToFirstTokenMs from the start until the first generated token was sampled (the
 *     prompt's forward passes included)
 * @param totalMs from the start until the end
 * @param tokensPerSecond generated tokens per second after the first one (decode speed); for a
 *     single token, that token's rate
 * @param stopReason {@code eos}, {@code max_tokens}, {@code stop}, {@code context} or {@code
 *     cancelled}
 * @param cachedPromptTokens prompt tokens whose positions came from a prompt cache rather than
 *     being run
 */
public record GenerationStats(
    int promptTokens,
    int tokens,
    double timeToFirstTokenMs,
    double totalMs,
    double tokensPerSecond,
    String stopReason,
    int cachedPromptTokens) {}
