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

  /**
   * A fresh instance's state alone takes {@code stateBytes}, at or above the watermark's {@code
   * watermarkBytes}: swaps cannot bring the memory under it, so the proxy recycles only once the
   * instance has grown halfway from its state to the limit. Told once each time it becomes so.
   */
  default void stateAboveWatermark(long stateBytes, long watermarkBytes) {}
}
