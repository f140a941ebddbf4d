package dev.wasmgrid.llm;

/**
 * One tokenizer algorithm over plain text: the {@link Tokenizer} splits special tokens out first
 * and adds BOS/EOS, and hands each stretch of text between them here.
 */
sealed interface TextEncoder permits SentencePieceEncoder, ByteLevelBpeEncoder {

  /**
   * Appends the tokens of {@code text} (not empty) to {@code out}.
   *
   * @param afterSpecial whether the text starts the input or follows a special token
   */
  void encode(String text, boolean afterSpecial, IntList out);

  /** A lower bound on the tokens {@link #encode} makes of {@code text}, without encoding it. */
  int minimumTokens(String text);

  /** The bytes {@code token} stands for after {@code previous}. */
  byte[] decode(int previous, int token);
}
