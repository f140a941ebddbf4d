package dev.wasmgrid.llm;

import java.util.List;

/**
 * One token's log-probability.
 *
 * @param id the token id
 * @param token the token's text (U+FFFD where it holds part of a character)
 * @param bytes the token's UTF-8 bytes, each 0..255: a character split over tokens is whole only
 *     when their bytes are joined
 * @param logprob its natural log-probability
 */
public record TokenLogprob(int id, String token, List<Integer> bytes, float logprob) {
  public TokenLogprob {
    bytes = List.copyOf(bytes);
  }
}
