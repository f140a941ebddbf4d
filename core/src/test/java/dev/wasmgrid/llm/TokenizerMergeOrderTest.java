package dev.wasmgrid.llm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.llm.io.ArrayByteSource;
import dev.wasmgrid.llm.llama2c.TokenizerBin;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The tokenizer's merges against the plain algorithm they replace (rescan every adjacent pair,
 * merge the best-scoring, leftmost on a tie, repeat), over random text and real and random
 * vocabularies.
 */
class TokenizerMergeOrderTest {
  private static final String EXTRA = "éü✓😀日本\n\t";

  @Test
  void theTinyVocabularyEncodesAsThePlainAlgorithmDoes() {
    agreeOnRandomText(TinyModels.vocabulary(0), 11);
  }

  @Test
  void aSentencePieceVocabularyEncodesAsThePlainAlgorithmDoes() throws IOException {
    // 512 tokens learned by SentencePiece from an English corpus, in llama2.c's format.
    byte[] bin;
    try (InputStream in = getClass().getResourceAsStream("spm512.tokenizer.bin")) {
      bin = in.readAllBytes();
    }
    agreeOnRandomText(TokenizerBin.read(new ArrayByteSource(bin), 512), 12);
  }

  @Test
  void tiesAndOddScoresPickThePairThePlainAlgorithmPicks() {
    // Few distinct scores, so ties are everywhere; 0.0 and -0.0 are equal, -infinity and NaN never
    // merge.
    float[] palette = {
      0f, -0f, 1f, -1f, 2f, Float.NEGATIVE_INFINITY, Float.NaN, Float.POSITIVE_INFINITY
    };
    Random random = new Random(13);
    for (int v = 0; v < 300; v++) {
      LinkedHashSet<String> texts = new LinkedHashSet<>(List.of("<unk>", "<s>", "</s>"));
      texts.addAll(List.of(" ", "a", "b", "c"));
      int merges = 1 + random.nextInt(30);
      for (int i = 0; i < merges; i++) {
        texts.add(randomText(random, "ab c", 2 + random.nextInt(4)));
      }
      List<String> tokens = new ArrayList<>(texts);
      float[] scores = new float[tokens.size()];
      for (int i = 0; i < scores.length; i++) {
        scores[i] = palette[random.nextInt(palette.length)];
      }
      Vocabulary vocab = new Vocabulary(tokens, scores, Vocabulary.guessTypes(tokens, 1, 2), 1, 2);
      Tokenizer tokenizer = new Tokenizer(vocab);
      for (int s = 0; s < 30; s++) {
        String text = randomText(random, "ab c", random.nextInt(40));
        assertThat(tokenizer.encode(text, s % 2 == 0))
            .as("vocabulary %s, scores %s, text '%s'", tokens, Arrays.toString(scores), text)
            .containsExactly(plainEncode(vocab, text, s % 2 == 0));
      }
    }
  }

  @Test
  void theLengthBoundNeverExceedsTheTokenCount() {
    Vocabulary vocab = TinyModels.vocabulary(0);
    Tokenizer tokenizer = new Tokenizer(vocab);
    Random random = new Random(14);
    for (int i = 0; i < 500; i++) {
      String text = randomVocabularyText(random, vocab, random.nextInt(300));
      assertThat(tokenizer.minimumLength(text, true))
          .as(text)
          .isLessThanOrEqualTo(tokenizer.encode(text, true).length);
    }
  }

  private static void agreeOnRandomText(Vocabulary vocab, long seed) {
    Tokenizer tokenizer = new Tokenizer(vocab);
    Random random = new Random(seed);
    for (int i = 0; i < 1500; i++) {
      String text = randomVocabularyText(random, vocab, random.nextInt(i < 1400 ? 60 : 600));
      boolean bos = random.nextBoolean();
      assertThat(tokenizer.encode(text, bos))
          .as("'%s'", text)
          .containsExactly(plainEncode(vocab, text, bos));
    }
  }

  /** Tokens' texts, single characters (some in no token) and spaces, run together. */
  private static String randomVocabularyText(Random random, Vocabulary vocab, int pieces) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < pieces; i++) {
      switch (random.nextInt(4)) {
        case 0 -> out.append(' ');
        case 1 -> {
          int at =
              EXTRA.offsetByCodePoints(0, random.nextInt(EXTRA.codePointCount(0, EXTRA.length())));
          out.appendCodePoint(EXTRA.codePointAt(at));
        }
        case 2 -> out.append((char) (' ' + random.nextInt(95)));
        default -> {
          int id = random.nextInt(vocab.size());
          if (vocab.type(id) == Vocabulary.NORMAL) {
            out.append(vocab.token(id).replace('▁', ' '));
          }
        }
      }
    }
    return out.toString();
  }

  private static String randomText(Random random, String alphabet, int length) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < length; i++) {
      out.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return out.toString();
  }

  /** The encoder as it was: rescan all pairs after every merge, O(n²). */
  private static int[] plainEncode(Vocabulary vocab, String text, boolean bos) {
    Map<String, Integer> ids = new HashMap<>();
    int[] byteTokens = new int[256];
    Arrays.fill(byteTokens, -1);
    for (int i = 0; i < vocab.size(); i++) {
      ids.putIfAbsent(vocab.token(i), i);
      int b = Tokenizer.byteValue(vocab.token(i));
      if (b >= 0 && byteTokens[b] < 0) {
        byteTokens[b] = i;
      }
    }
    List<Integer> tokens = new ArrayList<>();
    if (bos) {
      tokens.add(vocab.bos());
    }
    int first = tokens.size();
    if (!text.isEmpty() && ids.containsKey(" ")) {
      tokens.add(ids.get(" "));
    }
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      String ch = new String(Character.toChars(cp));
      i += Character.charCount(cp);
      Integer id = ids.get(ch);
      if (id != null) {
        tokens.add(id);
        continue;
      }
      for (byte b : ch.getBytes(StandardCharsets.UTF_8)) {
        tokens.add(byteTokens[b & 0xff]);
      }
    }
    while (true) {
      float bestScore = Float.NEGATIVE_INFINITY;
      int bestId = -1;
      int bestAt = -1;
      for (int i = first; i + 1 < tokens.size(); i++) {
        Integer id = ids.get(vocab.token(tokens.get(i)) + vocab.token(tokens.get(i + 1)));
        if (id != null && vocab.score(id) > bestScore) {
          bestScore = vocab.score(id);
          bestId = id;
          bestAt = i;
        }
      }
      if (bestAt < 0) {
        break;
      }
      tokens.set(bestAt, bestId);
      tokens.remove(bestAt + 1);
    }
    return tokens.stream().mapToInt(Integer::intValue).toArray();
  }
}
