package dev.wasmgrid.llm.jvm;

/**
 * Whether forward passes of one batch size run faster on the whole team or on the caller alone,
 * learned from the passes themselves: the faster way so far runs every pass but every {@link
 * #PROBE}th, which tries the other. A pass is the unit compared because consecutive passes of a
 * size do the same work (the same products, attention a position longer), and because a team tried
 * for a whole pass has its workers awake for it. On an idle machine the team wins and the probes
 * cost ~1 %; where another process holds a core, the caller waits job after job for a chunk a
 * worker began and then lost its core, and the caller alone is faster. Not thread-safe: one pass at
 * a time.
 */
final class ThreadChoice {

  /** Passes between two tries of the way not taken. */
  static final int PROBE = 64;

  /** Passes that run on the team before any is timed: the JIT's and the workers' warm-up. */
  static final int SETTLE = 8;

  /** How much faster the other way must be to be taken. */
  private static final double MARGIN = 0.9;

  /** Weight of a new pass in the running time of the way taken. */
  private static final double ALPHA = 0.25;

  /**
   * Passes after a switch that must, on average, beat the way left, or the switch is undone: one
   * probe is one pass, and a pass can be slow or fast for reasons of its own.
   */
  static final int CONFIRM = 4;

  private long passes;
  private boolean preferSolo;
  private double taken = Double.NaN;
  private double left;
  private int confirming;
  private long confirmNanos;

  /** Whether the next pass is to run on the caller alone. */
  boolean nextSolo() {
    passes++;
    long timed = passes - SETTLE;
    if (timed <= 0) {
      return false;
    }
    boolean probe = confirming == 0 && (timed == 2 || timed % PROBE == 0);
    return probe != preferSolo;
  }

  /** The pass just chosen took {@code nanos}, on the caller alone if {@code solo}. */
  void record(boolean solo, long nanos) {
    if (passes <= SETTLE) {
      return;
    }
    if (solo != preferSolo) {
      if (nanos < MARGIN * taken) {
        // A probe faster than the recent passes of the way taken: switch, then confirm.
        preferSolo = solo;
        left = taken;
        taken = nanos;
        confirming = CONFIRM;
        confirmNanos = 0;
      }
      return;
    }
    taken = Double.isNaN(taken) ? nanos : taken + ALPHA * (nanos - taken);
    if (confirming > 0) {
      confirmNanos += nanos;
      if (--confirming == 0 && confirmNanos > left * CONFIRM) {
        preferSolo = !preferSolo;
        taken = left;
      }
    }
  }

  /** Whether passes of this size currently run on the caller alone. */
  boolean prefersSolo() {
    return preferSolo;
  }
}
