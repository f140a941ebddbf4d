package dev.wasmgrid.llm.llama2c;

import dev.wasmgrid.llm.ModelFormatException;
import dev.wasmgrid.llm.Vocabulary;
import dev.wasmgrid.llm.io.ByteCursor;
import dev.wasmgrid.llm.io.ByteSource;
import dev.wasmgrid.llm.io.LeOutput;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * llama2.c's {@code tokenizer.bin}: the longest token's length, then per token its score, its
 * length and its UTF-8 bytes. Ids 1 and 2 are the beginning and end of a sequence; generation stops
 * on either.
 */
public final class TokenizerBin {

  private TokenizerBin() {}

  /** Reads a vocabulary of {@code vocabSize} tokens. */
  public static Vocabulary read(ByteSource source, int vocabSize) {
    ByteCursor in = new ByteCursor(source, "tokenizer.bin");
    int maxLen = in.i32("max_token_length");
    if (maxLen < 1 || maxLen > 1 << 16) {
      throw new ModelFormatException("tokenizer.bin: max_token_length " + maxLen + " is invalid");
    }
    in.checkCount(vocabSize, 8, "vocabulary");
    List<String> tokens = new ArrayList<>(vocabSize);
    float[] scores = new float[vocabSize];
    for (int i = 0; i < vocabSize; i++) {
      scores[i] = in.f32("score of token " + i);
      int len = in.i32("length of token " + i);
      if (len < 0 || len > maxLen) {
        throw new ModelFormatException(
            "tokenizer.bin: token " + i + " has length " + len + " (max " + maxLen + ")");
      }
      tokens.add(in.string(len, "token " + i));
    }
    if (vocabSize <= Llama2cModels.EOS) {
      throw new ModelFormatException("tokenizer.bin: vocabulary of " + vocabSize + " is too small");
    }
    return new Vocabulary(
        tokens,
        scores,
        Vocabulary.guessTypes(tokens, Llama2cModels.BOS, Llama2cModels.EOS),
        Llama2cModels.BOS,
        Llama2cModels.EOS,
        // run.c's generate ends a story on BOS (the training data's delimiter) and its chat ends a
        // turn on EOS.
        new int[] {Llama2cModels.BOS, Llama2cModels.EOS});
  }

  /** Writes {@code vocab} in this format. */
  public static void write(Vocabulary vocab, OutputStream out) throws IOException {
    LeOutput o = new LeOutput(out);
    int maxLen = 1;
    for (String t : vocab.tokens()) {
      maxLen = Math.max(maxLen, t.getBytes(StandardCharsets.UTF_8).length);
    }
    o.i32(maxLen);
    for (int i = 0; i < vocab.size(); i++) {
      byte[] b = vocab.token(i).getBytes(StandardCharsets.UTF_8);
      o.f32(vocab.score(i));
      o.i32(b.length);
      o.bytes(b, b.length);
    }
    out.flush();
  }
}
