package dev.wasmgrid.llm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The hand-written pre-tokenizers against the models' own regular expressions, run by
 * java.util.regex over random text (the fixtures check llama-bpe and qwen2 against llama.cpp; these
 * cover gpt2 and smollm too). {@code \s} is spelled out as the tokenizers' engines take it, since
 * Java's own is ASCII only.
 */
class PreTokenizerTest {
  private static final String S =
      "[\\t-\\r \\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}]";
  private static final String NOT_S = S.replace("[", "[^");
  private static final String GPT2 =
      "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
  private static final String LLAMA3 =
      "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"
          + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
  private static final String QWEN2 = LLAMA3.replace("\\p{N}{1,3}", "\\p{N}");

  /** Letters, digits, blanks and punctuation of several scripts, contractions, emoji. */
  private static final String[] ALPHABET = {
    "a", "Z", "é", "ß", "日", "я", "0", "7", "٣", "½", "Ⅻ", " ", " ", "  ", "\n", "\r\n", "\t",
    "\u00A0", "\u3000", "\u2009", ".", ",", "!", "-", "'", "'s", "'S", "'ll", "'Re", "'x", "\u0301",
    "🙂", "👍🏽", "\u200d", "$", "_", "<", "|", "\u0085", "\u000B"
  };

  @Test
  void gpt2SplitsAsItsExpression() {
    agree(PreTokenizer.GPT2, GPT2, false);
  }

  @Test
  void llama3SplitsAsItsExpression() {
    agree(PreTokenizer.LLAMA3, LLAMA3, false);
  }

  @Test
  void qwen2SplitsAsItsExpression() {
    agree(PreTokenizer.QWEN2, QWEN2, false);
  }

  @Test
  void smollmSplitsDigitsThenAsGpt2() {
    agree(PreTokenizer.SMOLLM, GPT2, true);
  }

  @Test
  void examples() {
    assertThat(PreTokenizer.LLAMA3.split("I'm 12345 ok!\n\n  hi"))
        .containsExactly("I", "'m", " ", "123", "45", " ok", "!\n\n", " ", " hi");
    assertThat(PreTokenizer.QWEN2.split("x 123")).containsExactly("x", " ", "1", "2", "3");
    assertThat(PreTokenizer.GPT2.split("I'M  12,5"))
        .containsExactly("I", "'", "M", " ", " 12", ",", "5");
    assertThat(PreTokenizer.SMOLLM.split("a 12b")).containsExactly("a", " ", "1", "2", "b");
  }

  private static void agree(PreTokenizer pre, String expression, boolean digitsApart) {
    String blank = S.substring(1, S.length() - 1);
    Pattern p =
        Pattern.compile(
            expression.replace("[^\\s", "[^" + blank).replace("\\s", S).replace("\\S", NOT_S));
    Random random = new Random(pre.name().hashCode());
    for (int i = 0; i < 3000; i++) {
      StringBuilder text = new StringBuilder();
      for (int n = random.nextInt(25); n > 0; n--) {
        text.append(ALPHABET[random.nextInt(ALPHABET.length)]);
      }
      String t = text.toString();
      List<String> expected = new ArrayList<>();
      for (String segment : digitsApart ? digitSegments(t) : List.of(t)) {
        Matcher m = p.matcher(segment);
        int end = 0;
        while (m.find()) {
          assertThat(m.start()).as("'%s' leaves text unmatched", segment).isEqualTo(end);
          expected.add(m.group());
          end = m.end();
        }
        assertThat(end).isEqualTo(segment.length());
      }
      assertThat(pre.split(t)).as("'%s'", t).containsExactlyElementsOf(expected);
    }
  }

  /** SmolLM's first split, {@code \p{N}} isolated: each number character alone. */
  private static List<String> digitSegments(String t) {
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile("\\p{N}").matcher(t);
    int start = 0;
    while (m.find()) {
      if (m.start() > start) {
        out.add(t.substring(start, m.start()));
      }
      out.add(m.group());
      start = m.end();
    }
    if (start < t.length()) {
      out.add(t.substring(start));
    }
    return out;
  }
}
