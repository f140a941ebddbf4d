package dev.wasmgrid.llm.jvm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The few reusable objects products take: reuse, distinct objects for concurrent takers, bounds.
 */
class SparesTest {
  @Test
  void anObjectGivenBackIsTheOneTakenNext() {
    AtomicInteger made = new AtomicInteger();
    Spares<Object> spares = new Spares<>(() -> made.incrementAndGet() + "");
    Object first = spares.take();
    spares.give(first);
    for (int i = 0; i < 100; i++) {
      Object again = spares.take();
      assertThat(again).isSameAs(first);
      spares.give(again);
    }
    assertThat(made.get()).isEqualTo(1);
  }

  @Test
  void takersWithoutGivingBackGetDistinctObjectsAndAtMostFourAreKept() {
    AtomicInteger made = new AtomicInteger();
    Spares<Object> spares = new Spares<>(() -> "spare " + made.incrementAndGet());
    List<Object> out = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      out.add(spares.take());
    }
    assertThat(out).doesNotHaveDuplicates();
    out.forEach(spares::give);
    List<Object> back = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      back.add(spares.take());
    }
    assertThat(back.subList(0, 4)).containsExactlyInAnyOrderElementsOf(out.subList(0, 4));
    assertThat(made.get()).isEqualTo(8);
  }
}
