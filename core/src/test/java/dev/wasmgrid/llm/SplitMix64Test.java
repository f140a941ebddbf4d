package dev.wasmgrid.llm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The browser-compatible generator must draw exactly what the JDK's does, or tiny models drift. */
class SplitMix64Test {

  @Test
  void drawsTheSameDoublesAsSplittableRandom() {
    for (long seed : new long[] {0, 1, 42, -7, Long.MAX_VALUE, 0x9e3779b97f4a7c15L}) {
      SplittableRandom jdk = new SplittableRandom(seed);
      SplitMix64 ours = new SplitMix64(seed);
      for (int i = 0; i < 10_000; i++) {
        assertThat(ours.nextDouble()).as("seed %d draw %d", seed, i).isEqualTo(jdk.nextDouble());
      }
    }
  }

  @Test
  void byteTokensAreNamedAsFormatWouldName() {
    Vocabulary v = TinyModels.vocabulary(0);
    for (int b = 0; b < 256; b++) {
      assertThat(v.token(3 + b)).isEqualTo(String.format(Locale.ROOT, "<0x%02X>", b));
    }
  }
}
