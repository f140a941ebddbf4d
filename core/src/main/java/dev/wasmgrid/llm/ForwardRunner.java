package dev.wasmgrid.llm;

/**
 * How a {@link Generation}'s forward passes run: alone on its transformer, or merged with other
 * generations' into shared passes ({@link StepScheduler}). Used by one generation at a time.
 */
interface ForwardRunner {
  /**
   * Runs every entry of {@code batch}; on return their results are in their caches. A batch given
   * to {@link #ahead} may have run already: then its outcome is returned at once.
   */
  void forward(ForwardBatch batch);

  /**
   * Runs every entry of {@code batch} as {@link #forward(ForwardBatch)} does, then {@code then}; on
   * return, one outcome of {@code then} is the caller's. A runner that shares passes runs {@code
   * then} on a thread that ran the pass, and from the first call on, for every pass of the batch
   * until {@link #pause}: if {@code then} returns true, {@code batch} holds the next step, which
   * runs at once, ahead of the caller, up to {@link #AHEAD} outcomes the caller has not taken.
   * Never run after a failed pass; one call's {@code then} at a time.
   */
  void forward(ForwardBatch batch, AfterPass then);

  /**
   * How many outcomes of {@link #forward(ForwardBatch, AfterPass)} a runner may run ahead of the
   * caller. Four: with eight streams on two cores, callers' threads came back up to three passes
   * late (the cores busy with the pass); allowing two, a stream waited for its caller in 181 of
   * 3,759 outcomes and 75 % of passes were full, allowing four in 5 and 89 %.
   */
  int AHEAD = 4;

  /** A generation's work on a pass's outcome: choosing its token. */
  @FunctionalInterface
  interface AfterPass {
    /** Whether the batch now holds the next step, to be run ahead of the caller's next call. */
    boolean afterPass();
  }

  /**
   * The generation has handed a token to its caller, which may take a while before asking for the
   * next one, and {@code next} is the batch it will then ask for with {@code then}: a runner that
   * gathers several generations' steps into one pass may run it before, {@code then} too, as {@link
   * #forward(ForwardBatch, AfterPass)} does. {@code next} is not changed but by {@code then} until
   * the generation's {@code forward} of it returns or {@link #pause} takes it back.
   */
  void ahead(ForwardBatch next, AfterPass then);

  /**
   * The generation has handed a token to its caller and has no next step (it ended, or its slot is
   * freed): a batch given to {@link #ahead} is taken back, waiting for it if it is running.
   */
  void pause();

  /** Each batch run at once, on the calling thread: a transformer serving one generation. */
  static ForwardRunner alone(Transformer transformer) {
    return new ForwardRunner() {
      @Override
      public void forward(ForwardBatch batch) {
        transformer.forward(batch);
      }

      @Override
      public void forward(ForwardBatch batch, AfterPass then) {
        transformer.forward(batch);
        then.afterPass();
      }

      @Override
      public void ahead(ForwardBatch next, AfterPass then) {}

      @Override
      public void pause() {}
    };
  }
}
