package dev.wasmgrid.llm.jvm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongUnaryOperator;
import org.junit.jupiter.api.Test;

/** How forward passes choose between the team and the caller alone, from their own times. */
class ThreadChoiceTest {

  /** Runs {@code passes} passes that take {@code team} or {@code solo} ns; returns each choice. */
  private static List<Boolean> run(ThreadChoice choice, int passes, long team, long solo) {
    return run(choice, passes, p -> team, p -> solo);
  }

  private static List<Boolean> run(
      ThreadChoice choice, int passes, LongUnaryOperator team, LongUnaryOperator solo) {
    List<Boolean> chosen = new ArrayList<>();
    for (long p = 0; p < passes; p++) {
      boolean alone = choice.nextSolo();
      chosen.add(alone);
      choice.record(alone, alone ? solo.applyAsLong(p) : team.applyAsLong(p));
    }
    return chosen;
  }

  @Test
  void aFasterTeamKeepsEveryPassButTheProbes() {
    ThreadChoice choice = new ThreadChoice();
    List<Boolean> chosen = run(choice, 1000, 1_000_000, 1_800_000);
    assertThat(chosen.subList(0, ThreadChoice.SETTLE)).containsOnly(false);
    long alone = chosen.stream().filter(b -> b).count();
    // The second timed pass, then one in every PROBE.
    assertThat(alone).isEqualTo(1 + (1000 - ThreadChoice.SETTLE) / ThreadChoice.PROBE);
    assertThat(chosen.get(ThreadChoice.SETTLE + 1)).isTrue();
    assertThat(choice.prefersSolo()).isFalse();
  }

  @Test
  void aFasterCallerAloneTakesOverAtTheFirstProbeAndTheTeamComesBackWhenItIsFaster() {
    ThreadChoice choice = new ThreadChoice();
    // A busy core: the team takes 1.3 ms a pass, the caller alone 1 ms; after pass 500 the core
    // is free again and the team takes 0.6 ms.
    List<Boolean> chosen = run(choice, 1000, p -> p < 500 ? 1_300_000 : 600_000, p -> 1_000_000);
    assertThat(chosen.subList(ThreadChoice.SETTLE + 2, 500))
        .filteredOn(b -> !b)
        .hasSizeLessThan(10);
    assertThat(chosen.subList(500 + ThreadChoice.PROBE, 1000))
        .filteredOn(b -> b)
        .hasSizeLessThan(10);
    assertThat(choice.prefersSolo()).isFalse();
  }

  @Test
  void aSwitchThatTheNextPassesDoNotBearOutIsUndone() {
    ThreadChoice choice = new ThreadChoice();
    // The one probe of the caller alone is fast by chance; its passes after are slower than the
    // team's.
    long[] soloPasses = {0};
    List<Boolean> chosen =
        run(
            choice,
            ThreadChoice.SETTLE + 2 + ThreadChoice.CONFIRM + 5,
            p -> 1_000_000,
            p -> soloPasses[0]++ == 0 ? 500_000 : 1_500_000);
    int probe = ThreadChoice.SETTLE + 1;
    assertThat(chosen.subList(probe, probe + 1 + ThreadChoice.CONFIRM)).containsOnly(true);
    assertThat(chosen.subList(probe + 1 + ThreadChoice.CONFIRM, chosen.size())).containsOnly(false);
    assertThat(choice.prefersSolo()).isFalse();
  }

  @Test
  void aProbeWithinTheMarginChangesNothing() {
    ThreadChoice choice = new ThreadChoice();
    List<Boolean> chosen = run(choice, 500, 1_000_000, 950_000);
    assertThat(choice.prefersSolo()).isFalse();
    assertThat(chosen.stream().filter(b -> b).count())
        .isEqualTo(1 + (500 - ThreadChoice.SETTLE) / ThreadChoice.PROBE);
  }
}
