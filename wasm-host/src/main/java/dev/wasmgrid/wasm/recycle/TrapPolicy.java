package dev.wasmgrid.wasm.recycle;

import java.util.Locale;

/** What a stateful module does after a call traps (or times out) and leaves its instance broken. */
public enum TrapPolicy {
  /** Replace the instance with a fresh one rebuilt from the log; later calls carry on (default). */
  RELOAD,
  /** Refuse every later call with {@code module_failed} until the module is deployed again. */
  FAIL_CLOSED,
  /**
   * Keep serving from the same instance, its state as the trap left it (a timed-out instance is
   * reloaded instead: its guest may not have stopped).
   */
  FAIL_OPEN;

  /** The wire form: {@code reload}, {@code fail-closed}, {@code fail-open}. */
  public String id() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The policy whose {@link #id()} is {@code id}. */
  public static TrapPolicy fromId(String id) {
    for (TrapPolicy p : values()) {
      if (p.id().equals(id)) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        "on_trap must be reload, fail-closed or fail-open, not '" + id + "'");
  }
}
