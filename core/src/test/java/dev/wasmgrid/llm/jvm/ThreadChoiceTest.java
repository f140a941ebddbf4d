package dev.wasmgrid.llm.jvm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongUnaryOperator;
import org.junit.jupiter.api.Test;

/** How forward passes choose between the team and the caller alone, from their own times. */
class ThreadChoiceTest {

  /**
   * Runs {@code passes} passes; pass p takes {@code team(p)} or {@code solo(p)} ns. Returns each
   * choice.
   */
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

  private static long alone(List<Boolean> chosen, int from, int to) {
    return chosen.subList(from, to).stream().filter(b -> b).count();
  }

  /** The passes at which trials began: each trial's first pass alone, less the pair before it. */
  private static List<Integer> trialStarts(List<Boolean> chosen) {
    List<Integer> starts = new ArrayList<>();
    for (int p = 1; p < chosen.size(); p++) {
      boolean firstOfTrial = starts.isEmpty() || p > starts.getLast() + ThreadChoice.TRIAL_PASSES;
      if (chosen.get(p) && firstOfTrial) {
        starts.add(p - 2);
      }
    }
    return starts;
  }

  @Test
  void aFasterTeamKeepsEveryPassButTheTrials() {
    ThreadChoice choice = new ThreadChoice();
    int passes = ThreadChoice.SETTLE + 5 * ThreadChoice.PROBE;
    // A narrow lead: the trials stay PROBE passes apart.
    List<Boolean> chosen = run(choice, passes, p -> 1_000_000, p -> 1_150_000);
    assertThat(chosen.subList(0, ThreadChoice.SETTLE)).containsOnly(false);
    assertThat(alone(chosen, 0, passes)).isEqualTo(5L * ThreadChoice.TRIAL_PASSES / 2);
    assertThat(choice.prefersSolo()).isFalse();
  }

  @Test
  void aWideLeadThinsTheTrialsOutToOneInMaxProbePasses() {
    ThreadChoice choice = new ThreadChoice();
    List<Boolean> chosen = run(choice, 6 * ThreadChoice.MAX_PROBE, p -> 1_000_000, p -> 1_800_000);
    List<Integer> starts = trialStarts(chosen);
    assertThat(starts.getFirst()).isEqualTo(ThreadChoice.SETTLE);
    List<Integer> gaps = new ArrayList<>();
    for (int i = 1; i < starts.size(); i++) {
      // From a trial's last pass to the next trial's first.
      gaps.add(starts.get(i) - (starts.get(i - 1) + ThreadChoice.TRIAL_PASSES - 1));
    }
    int p = ThreadChoice.PROBE;
    assertThat(gaps).startsWith(2 * p, 4 * p, 8 * p).endsWith(8 * p, 8 * p);
    assertThat(8 * p).isEqualTo(ThreadChoice.MAX_PROBE);
    assertThat(choice.prefersSolo()).isFalse();
  }

  @Test
  void aCoreLostAfterALongLeadIsFoundWithinMaxProbePasses() {
    ThreadChoice choice = new ThreadChoice();
    // The team far ahead for 3,000 passes; then another process takes a core and the team's passes
    // take 1.5 ms against 1 ms alone.
    int lost = 3000;
    List<Boolean> chosen = run(choice, 6000, p -> p < lost ? 600_000 : 1_500_000, p -> 1_000_000);
    int found = lost + ThreadChoice.MAX_PROBE + ThreadChoice.TRIAL_PASSES;
    assertThat(alone(chosen, found, 6000))
        .isGreaterThanOrEqualTo(6000 - found - 30L * ThreadChoice.TRIAL_PASSES / 2);
    assertThat(choice.prefersSolo()).isTrue();
  }

  @Test
  void aFasterCallerAloneTakesOverAfterATrialAndTheTeamComesBackWhenItIsFaster() {
    ThreadChoice choice = new ThreadChoice();
    // A busy core: the team takes 1.3 ms a pass, the caller alone 1 ms; from pass 600 the core is
    // free again and the team takes 0.6 ms.
    int free = 600;
    List<Boolean> chosen = run(choice, 1200, p -> p < free ? 1_300_000 : 600_000, p -> 1_000_000);
    int firstTrialEnd = ThreadChoice.SETTLE + ThreadChoice.TRIAL_PASSES;
    // Between trials, every pass alone while the core is busy...
    assertThat(alone(chosen, firstTrialEnd, free))
        .isGreaterThanOrEqualTo(free - firstTrialEnd - 5L * ThreadChoice.TRIAL_PASSES / 2);
    // ...and none once a trial has seen it free.
    int back = free + ThreadChoice.PROBE + ThreadChoice.TRIAL_PASSES;
    assertThat(alone(chosen, back, 1200)).isLessThanOrEqualTo(5L * ThreadChoice.TRIAL_PASSES / 2);
    assertThat(choice.prefersSolo()).isFalse();
  }

  @Test
  void aWarmUpThatSpeedsEveryPassUpKeepsTheTeam() {
    ThreadChoice choice = new ThreadChoice();
    // Each pass 10 % faster than the one before, whichever way it runs: only the order of a
    // trial's passes could tell the ways apart.
    LongUnaryOperator warming = p -> (long) (20_000_000 * Math.pow(0.9, (double) p));
    run(choice, ThreadChoice.SETTLE + ThreadChoice.TRIAL_PASSES, warming, warming);
    assertThat(choice.prefersSolo()).isFalse();
  }

  @Test
  void aSwitchTheNextTrialDoesNotBearOutIsUndoneSoon() {
    ThreadChoice choice = new ThreadChoice();
    // The team's first passes pay for its own warm-up: slow in the first trial only. Then its lead
    // is narrow, so the trials stay PROBE passes apart.
    int firstTrialEnd = ThreadChoice.SETTLE + ThreadChoice.TRIAL_PASSES;
    List<Boolean> chosen =
        run(choice, 300, p -> p < firstTrialEnd ? 3_000_000 : 1_000_000, p -> 1_150_000);
    // Alone until the next trial, RECHECK passes on...
    assertThat(alone(chosen, firstTrialEnd, firstTrialEnd + ThreadChoice.RECHECK - 1))
        .isEqualTo(ThreadChoice.RECHECK - 1L);
    // ...which goes back to the team: from then on alone only in trials (a recheck, then one).
    int recheckEnd = firstTrialEnd + ThreadChoice.RECHECK - 1 + ThreadChoice.TRIAL_PASSES;
    assertThat(alone(chosen, recheckEnd, 300)).isEqualTo(2 * (ThreadChoice.TRIAL_PASSES / 2L));
    assertThat(choice.prefersSolo()).isFalse();
  }

  @Test
  void aTeamPassAfterOneAloneIsNotWhatTheTrialTimes() {
    ThreadChoice choice = new ThreadChoice();
    // The team takes 1 ms a pass and the caller alone 1.8, but the team's first pass after one
    // alone takes 2.5: its worker parked meanwhile, and its rows were read by the other core.
    boolean before = false;
    for (int p = 0; p < ThreadChoice.SETTLE + 3 * ThreadChoice.PROBE; p++) {
      boolean alone = choice.nextSolo();
      choice.record(alone, alone ? 1_800_000 : before ? 2_500_000 : 1_000_000);
      before = alone;
      assertThat(choice.prefersSolo()).as("pass %d", p).isFalse();
    }
  }

  @Test
  void aTrialWithinTheMarginChangesNothing() {
    ThreadChoice choice = new ThreadChoice();
    run(choice, ThreadChoice.SETTLE + 3 * ThreadChoice.PROBE, p -> 1_000_000, p -> 950_000);
    assertThat(choice.prefersSolo()).isFalse();
  }
}
