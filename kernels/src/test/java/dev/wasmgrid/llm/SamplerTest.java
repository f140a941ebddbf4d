package dev.wasmgrid.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
