package dev.wasmgrid.llm.jvm;

/**
 * Whether forward passes of one batch size run faster on the whole team or on the caller alone,
 * learned from the passes themselves: after {@link #SETTLE} passes, then every {@link #PROBE} or
 * more (below), a trial times {@link #TRIAL} passes each way, and the way whose passes took longer
 * in all is left unless the difference is within {@link #MARGIN}; a switch is tried again {@link
 * #RECHECK} passes later. Passes are the unit compared because consecutive passes of a size do the
 * same work (the same products, attention a position longer). A trial's passes go in pairs of one
 * way, team, alone, alone, team, and only the second of each pair is timed: the first after a
 * switch pays for it (a parked worker woken, rows read last by the other core), which timed every
 * trial against the team on a small model; and the order keeps a trend (the JIT warming up, a
 * context growing) from favouring either way. On an idle machine the team wins; where another
 * process holds a core, the caller waits job after job for a chunk a worker began and then lost its
 * core, and the caller alone is faster. While the team keeps a wide lead ({@link #WIDE}), the
 * trials thin out, each twice as far from the last, up to {@link #MAX_PROBE} passes: a trial's four
 * passes alone cost ~2% of the passes at one trial in {@link #PROBE} (stories110M Q8_0 on 2 Zen 5
 * cores, where a pass alone takes 1.6-1.8 times the team's). Not thread-safe: one pass at a time.
 */
final class ThreadChoice {

  /** Passes from one trial to the next, and from a trial that found no wide lead. */
  static final int PROBE = 128;

  /** The most passes from one trial to the next, reached while the team keeps a wide lead. */
  static final int MAX_PROBE = 1024;

  /**
   * Passes from a trial that switched ways to the next: a switch is tried again soon, since the
   * team's first passes may still be paying for its own warm-up (its workers' code compiling).
   */
  static final int RECHECK = 16;

  /** Passes of a trial timed each way. */
  static final int TRIAL = 2;

  /** Passes of a trial: two for each timed one. */
  static final int TRIAL_PASSES = 4 * TRIAL;

  /** Passes that run on the team before the first trial: the workers' and the JIT's warm-up. */
  static final int SETTLE = 32;

  /** How much faster the other way's trial passes must be for it to be taken. */
  private static final double MARGIN = 0.9;

  /**
   * A lead this wide (the team's trial passes at most this share of the caller's alone) doubles the
   * passes to the next trial. A core lost to another process costs the team more than that lead,
   * and a trial within {@link #MAX_PROBE} passes finds it; the caller alone is tried against the
   * team every {@link #PROBE} passes, as the core it lacks may be back.
   */
  private static final double WIDE = 0.8;

  private long passes;
  private long nextTrial = SETTLE + 1;
  private long probe = PROBE;
  private boolean preferSolo;
  private int trialLeft;
  private long trialSolo;
  private long trialTeam;

  /** Whether the next pass is to run on the caller alone. */
  boolean nextSolo() {
    passes++;
    if (passes == nextTrial) {
      trialLeft = TRIAL_PASSES;
      trialSolo = 0;
      trialTeam = 0;
    }
    if (trialLeft == 0) {
      return preferSolo;
    }
    // Pairs team, alone, alone, team, and again.
    int pair = (TRIAL_PASSES - trialLeft) / 2;
    return pair % 4 == 1 || pair % 4 == 2;
  }

  /** The pass just chosen took {@code nanos}, on the caller alone if {@code solo}. */
  void record(boolean solo, long nanos) {
    if (trialLeft == 0) {
      return;
    }
    boolean secondOfPair = trialLeft % 2 == 1;
    if (secondOfPair && solo) {
      trialSolo += nanos;
    } else if (secondOfPair) {
      trialTeam += nanos;
    }
    if (--trialLeft == 0) {
      long taken = preferSolo ? trialSolo : trialTeam;
      long other = preferSolo ? trialTeam : trialSolo;
      boolean switched = other < MARGIN * taken;
      if (switched) {
        preferSolo = !preferSolo;
      }
      boolean wideLead = !preferSolo && trialTeam <= WIDE * trialSolo;
      probe = wideLead ? Math.min(2 * probe, MAX_PROBE) : PROBE;
      nextTrial = passes + (switched ? RECHECK : probe);
    }
  }

  /** Whether passes of this size currently run on the caller alone. */
  boolean prefersSolo() {
    return preferSolo;
  }
}
