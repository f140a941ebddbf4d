package dev.wasmgrid.grid;

import java.util.Locale;

/** A worker's health as the coordinator sees it. */
public enum WorkerState {
  /** Answering; its last call succeeded. */
  UP,
  /** Still given work, but its last calls failed (fewer than the limit in a row). */
  SUSPECT,
  /** Failed too many calls in a row: no work until {@code GET /health/ready} answers 200. */
  DOWN,
  /**
   * Refuses the coordinator's token (answered 401): no work until a probe with the token is
   * accepted.
   */
  UNAUTHORIZED;

  /** The lower-case name used in JSON. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
