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
   * The generation has handed a token to its caller, which may take a while before asking for the
   * next one, and {@code next} is the batch it will then ask for: a runner that gathers several
   * generations' steps into one pass may run it before. {@code next} is not changed until the
   * generation's {@link #forward} of it returns or {@link #pause} takes it back.
   */
  void ahead(ForwardBatch next);

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
      public void ahead(ForwardBatch next) {}

      @Override
      public void pause() {}
    };
  }
}
