package dev.wasmgrid.http;

import java.time.Duration;

/** A node that can stop gracefully: first {@link #drain}, then {@link #close}. */
public interface Drainable extends AutoCloseable {
  /**
   * Stops taking work (readiness goes false, new requests get 503 {@code shutting_down}) and waits
   * up to {@code grace} for the work in progress to finish. Does not close the node.
   */
  void drain(Duration grace) throws InterruptedException;

  /** Stops at once: whatever is still in progress is cut off. */
  @Override
  void close();
}
