package dev.wasmgrid.llm;

import java.util.List;

/**
 * The log-probabilities of a generated token and of the most likely tokens at its place.
 *
 * @param chosen the generated token
 * @param top the most likely tokens, most likely first (as many as were asked for)
 */
public record TokenLogprobs(TokenLogprob chosen, List<TokenLogprob> top) {
  public TokenLogprobs {
    top = List.copyOf(top);
  }
}
