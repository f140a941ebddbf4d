package dev.wasmgrid.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Comparator;
import org.junit.jupiter.api.Test;

class SamplerTest {
  private static final float[] LOGITS = {1f, 3f, 2f, 0f, 2.5f};

  @Test
  void greedyTakesTheLargest() {
    assertThat(new Sampler(5, 0, 0, 0, 1).sample(LOGITS.clone())).isEqualTo(1);
  }

  @Test
  void drawsFollowTheSoftmax() {
    Sampler s = new Sampler(5, 1, 0, 0, 123);
    int[] counts = new int[5];
    int n = 20000;
    for (int i = 0; i < n; i++) {
      counts[s.sample(LOGITS.clone())]++;
    }
    double z = 0;
    for (float l : LOGITS) {
      z += Math.exp(l);
    }
    for (int i = 0; i < 5; i++) {
      double p = Math.exp(LOGITS[i]) / z;
      // 5 standard deviations of a binomial count.
      double sd = Math.sqrt(n * p * (1 - p));
      assertThat((double) counts[i]).isBetween(n * p - 5 * sd, n * p + 5 * sd);
    }
  }

  @Test
  void topKAndTopPTruncate() {
    Sampler k2 = new Sampler(5, 1, 2, 0, 7);
    Sampler p = new Sampler(5, 1, 0, 0.5f, 7);
    for (int i = 0; i < 2000; i++) {
      assertThat(k2.sample(LOGITS.clone())).isIn(1, 4);
      // Probabilities are 0.46, 0.28, ...: the smallest set above 0.5 is tokens 1 and 4.
      assertThat(p.sample(LOGITS.clone())).isIn(1, 4);
    }
    Sampler k1 = new Sampler(5, 5, 1, 0, 3);
    for (int i = 0; i < 200; i++) {
      assertThat(k1.sample(LOGITS.clone())).isEqualTo(1);
    }
  }

  @Test
  void theNucleusIsMeasuredAgainstTheWholeDistribution() {
    // 0.5 + 0.395 = 0.895 does not exceed 0.9, so the nucleus takes token 2 as well (run.c's),
    // although the 97 tokens below run.c's cut hold 0.055: measured against the 0.945 above the
    // cut instead, the first two alone would exceed 0.9.
    float[] probs = new float[100];
    probs[0] = 0.5f;
    probs[1] = 0.395f;
    probs[2] = 0.05f;
    Arrays.fill(probs, 3, 100, 0.055f / 97);
    float[] logits = new float[100];
    for (int i = 0; i < 100; i++) {
      logits[i] = (float) Math.log(probs[i]);
    }
    Sampler s = new Sampler(100, 1, 0, 0.9f, 11);
    int[] counts = new int[100];
    for (int i = 0; i < 2000; i++) {
      counts[s.sample(logits.clone())]++;
    }
    // Token 2 has 0.05 / 0.945 of the nucleus: about 106 of 2000 draws.
    assertThat(counts[2]).isBetween(50, 170);
    assertThat(counts[0] + counts[1] + counts[2]).isEqualTo(2000);
  }

  @Test
  void theNucleusMatchesAPlainReference() {
    SplitMix64 r = new SplitMix64(2024);
    for (int trial = 0; trial < 3000; trial++) {
      int n = 2 + (int) (r.nextDouble() * 600);
      float temperature = 0.2f + (float) r.nextDouble() * 1.5f;
      // Top-k alone in one trial of six (the top-k tokens chosen without sorting them all).
      float topP = trial % 6 == 3 ? 1 : 0.05f + (float) r.nextDouble() * 0.94f;
      int topK = trial % 3 == 0 ? 1 + (int) (r.nextDouble() * (topP < 1 ? n : n - 1)) : 0;
      // Logit spreads from nearly flat to very peaked; every other trial with many ties.
      float spread = (float) Math.pow(10, r.nextDouble() * 3 - 1);
      float[] logits = new float[n];
      for (int i = 0; i < n; i++) {
        double u = r.nextDouble() * 2 - 1;
        logits[i] = (float) (trial % 2 == 0 ? Math.round(u * 4) / 4.0 : u) * spread;
      }
      long seed = r.nextLong();
      Sampler sampler = new Sampler(n, temperature, topK, topP, seed);
      Sampler coins = new Sampler(n, temperature, topK, topP, seed);
      for (int draw = 0; draw < 5; draw++) {
        float[] probs = logits.clone();
        for (int i = 0; i < n; i++) {
          probs[i] /= temperature;
        }
        Transformer.softmax(probs, n, new ScalarCompute());
        int expected = nucleusReference(probs, topK, topP, coins.nextFloat());
        assertThat(sampler.sample(logits.clone()))
            .as("trial %d draw %d: n %d, top-k %d, top-p %f", trial, draw, n, topK, topP)
            .isEqualTo(expected);
      }
    }
  }

  /**
   * The nucleus spelled out: every token sorted by falling probability (ties by id), the first k if
   * top-k is on, then tokens up to the first whose running sum exceeds p times what is left (1
   * without top-k), and the coin scaled by the nucleus's mass walks it.
   */
  private static int nucleusReference(float[] probs, int topK, float topP, float coin) {
    Integer[] ids = new Integer[probs.length];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = i;
    }
    Arrays.sort(ids, Comparator.comparingDouble((Integer i) -> -probs[i]).thenComparingInt(i -> i));
    int keep = topK > 0 ? Math.min(topK, ids.length) : ids.length;
    float limit = topP;
    if (topK > 0 && topK < ids.length) {
      float mass = 0;
      for (int i = 0; i < keep; i++) {
        mass += probs[ids[i]];
      }
      limit *= mass;
    }
    float cumulative = 0;
    for (int i = 0; i < keep; i++) {
      cumulative += probs[ids[i]];
      if (cumulative > limit) {
        keep = i + 1;
        break;
      }
    }
    float nucleus = 0;
    for (int i = 0; i < keep; i++) {
      nucleus += probs[ids[i]];
    }
    float at = coin * nucleus;
    float cdf = 0;
    for (int i = 0; i < keep; i++) {
      cdf += probs[ids[i]];
      if (at < cdf) {
        return ids[i];
      }
    }
    return ids[keep - 1];
  }

  @Test
  void aNucleusBelowTheFlatProbabilityIsTheLikeliestToken() {
    // Uniform: every token is below run.c's cut (1 - p) / (n - 1) when p < 1/n.
    Sampler s = new Sampler(512, 1, 0, 0.001f, 5);
    for (int i = 0; i < 20; i++) {
      assertThat(s.sample(new float[512])).isZero();
    }
  }

  @Test
  void aSeedRepeatsItsDraws() {
    Sampler a = new Sampler(5, 1, 0, 0.9f, 42);
    Sampler b = new Sampler(5, 1, 0, 0.9f, 42);
    Sampler c = new Sampler(5, 1, 0, 0.9f, 43);
    StringBuilder sa = new StringBuilder();
    StringBuilder sb = new StringBuilder();
    StringBuilder sc = new StringBuilder();
    for (int i = 0; i < 100; i++) {
      sa.append(a.sample(LOGITS.clone()));
      sb.append(b.sample(LOGITS.clone()));
      sc.append(c.sample(LOGITS.clone()));
    }
    assertThat(sb.toString()).isEqualTo(sa.toString());
    assertThat(sc.toString()).isNotEqualTo(sa.toString());
  }

  @Test
  void uniformDrawsStayInRange() {
    Sampler s = new Sampler(1, 1, 0, 0, 99);
    for (int i = 0; i < 10000; i++) {
      assertThat(s.nextFloat()).isGreaterThanOrEqualTo(0f).isLessThan(1f);
    }
  }

  @Test
  void badSettingsAreRejected() {
    assertThatThrownBy(() -> new Sampler(5, -1, 0, 0, 1)).hasMessageContaining("temperature");
    assertThatThrownBy(() -> new Sampler(5, 1, 0, 1.5f, 1)).hasMessageContaining("topP");
  }
}
