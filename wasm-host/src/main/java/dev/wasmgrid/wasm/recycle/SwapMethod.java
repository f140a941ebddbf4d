package dev.wasmgrid.wasm.recycle;

import java.util.Locale;

/** How a standby instance got its state. */
public enum SwapMethod {
  /** Every logged state-building call was run again on a fresh instance. */
  REPLAY,
  /** A golden snapshot was copied into a fresh instance (then any newer log entries replayed). */
  SNAPSHOT;

  /** The wire form: {@code replay} or {@code snapshot}. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }
}
