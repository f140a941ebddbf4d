package dev.wasmgrid.llm;

/**
 * How a {@link Generation}'s forward passes run: alone on its transformer, or merged with other
 * generations' into shared passes ({@link StepScheduler}). Used by one generation at a time.
 */
interface ForwardRunner {
  /** Runs every entry of {@code batch}; on return their results are in their caches. */
  void forward(ForwardBatch batch);

  /**
   * The generation has handed a token to its caller, which may take a while before asking for the
   * next one; a runner that gathers several generations' steps into one pass must not wait for it.
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
      public void pause() {}
    };
  }
}
