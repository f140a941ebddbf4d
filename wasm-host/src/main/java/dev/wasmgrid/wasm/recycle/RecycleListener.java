package dev.wasmgrid.wasm.recycle;

/**
 * Hears about swaps and failed preparations, e.g. to feed metrics. Called on the proxy's threads.
 */
public interface RecycleListener {

  /** A listener that does nothing. */
  RecycleListener NONE =
      new RecycleListener() {
        @Override
        public void swapped(SwapReport report) {}

        @Override
        public void prepareFailed(String reason, boolean mismatch) {}
      };

  /** A standby instance replaced the active one. */
  void swapped(SwapReport report);

  /**
   * Preparing a standby failed; the old instance keeps serving.
   *
   * @param mismatch whether the cause was a replayed call whose result differed from the original
   */
  void prepareFailed(String reason, boolean mismatch);
}
