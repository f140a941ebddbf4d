package dev.wasmgrid.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The counter-based RNG is a pure function of its key, so no partition's draw depends on another's
 * (or on how many draws came before), and its values look uniform.
 */
class SimRngTest {

  @Test
  void drawsDependOnlyOnTheKey() {
    long forward = 0;
    for (int id = 0; id < 1000; id++) {
      forward = forward * 31 + Rng.bits(9, id, 17, Rng.JITTER);
    }
    // Other draws in between, and the keys visited in reverse: the same values come back.
    long[] reverse = new long[1000];
    for (int id = 999; id >= 0; id--) {
      Rng.bits(9, id, 18, Rng.REGROW);
      reverse[id] = Rng.bits(9, id, 17, Rng.JITTER);
    }
    long again = 0;
    for (long v : reverse) {
      again = again * 31 + v;
    }
    assertThat(again).isEqualTo(forward);
  }

  @Test
  void eachKeyWordChangesTheValue() {
    long base = Rng.bits(1, 2, 3, 4);
    assertThat(Rng.bits(2, 2, 3, 4)).isNotEqualTo(base);
    assertThat(Rng.bits(1, 3, 3, 4)).isNotEqualTo(base);
    assertThat(Rng.bits(1, 2, 4, 4)).isNotEqualTo(base);
    assertThat(Rng.bits(1, 2, 3, 5)).isNotEqualTo(base);
  }

  @Test
  void unitDrawsLookUniform() {
    int n = 100_000;
    int[] buckets = new int[10];
    double sum = 0;
    for (int i = 0; i < n; i++) {
      float u = Rng.unit(42, i, i % 7, Rng.GENE);
      assertThat(u).isGreaterThanOrEqualTo(0f).isLessThan(1f);
      buckets[(int) (u * 10)]++;
      sum += u;
    }
    assertThat(sum / n).isCloseTo(0.5, org.assertj.core.data.Offset.offset(0.01));
    for (int b : buckets) {
      assertThat(b).isBetween(n / 10 - 600, n / 10 + 600); // ~6 standard deviations
    }
  }

  @Test
  void childIdsAreDistinctAndApartFromInitialIds() {
    Set<Long> ids = new HashSet<>();
    for (long parent = 0; parent < 300; parent++) {
      for (long tick = 0; tick < 300; tick++) {
        long child = Rng.childId(5, parent, tick);
        assertThat(child).isGreaterThanOrEqualTo(1L << 62);
        ids.add(child);
      }
    }
    assertThat(ids).hasSize(300 * 300);
  }
}
