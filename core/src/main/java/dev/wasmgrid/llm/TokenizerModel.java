package dev.wasmgrid.llm;

import java.util.List;

/**
 * How a vocabulary turns text into tokens, as GGUF's {@code tokenizer.ggml.model} names it: {@code
 * llama} (SentencePiece) or {@code gpt2} (byte-level BPE).
 */
public sealed interface TokenizerModel {

  /** SentencePiece as llama.cpp runs it: merges by score, byte fallback, a leading space. */
  record SentencePiece(boolean addSpacePrefix) implements TokenizerModel {}

  /**
   * GPT-2 byte-level BPE: text split by {@code pre}, each piece's UTF-8 bytes written as GPT-2's
   * byte characters, then {@code merges} (each "left right", in rank order) applied best rank
   * first.
   */
  record ByteLevelBpe(List<String> merges, PreTokenizer pre) implements TokenizerModel {
    public ByteLevelBpe {
      merges = List.copyOf(merges);
    }
  }
}
