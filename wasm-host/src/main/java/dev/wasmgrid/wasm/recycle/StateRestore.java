package dev.wasmgrid.wasm.recycle;

import java.io.IOException;
import java.util.Optional;

/**
 * A proxy's starting state: the log its journal resumes, replayed into a first instance (every call
 * verified as on a swap), or an empty log under a new epoch, with why the stored one could not be
 * rebuilt.
 *
 * @param log the log the proxy serves under
 * @param first the instance holding the rebuilt state; empty when the state starts empty
 * @param note how the state was rebuilt, or why it could not be; empty when there was none to
 *     rebuild
 */
record StateRestore(CallLog log, Optional<ProxiedInstance> first, String note) {

  /** Rebuilds the state {@code journal} resumes, if any. */
  static StateRestore from(CallJournal journal, InstanceSlots slots, RecyclingPolicy policy) {
    if (journal.resumes().isEmpty()) {
      return new StateRestore(new CallLog(), Optional.empty(), "");
    }
    try {
      CallLog stored = journal.read();
      ProxiedInstance first = new StandbyBuilder(slots, policy, stored).build().generation();
      return new StateRestore(
          stored,
          Optional.of(first),
          "rebuilt from its stored log of %d calls".formatted(stored.size()));
    } catch (IOException | RuntimeException e) {
      String note =
          "the state of epoch %s could not be rebuilt after a restart: %s"
              .formatted(journal.resumes().get(), e.getMessage());
      CallLog fresh = new CallLog();
      fresh.lost(note);
      return new StateRestore(fresh, Optional.empty(), note);
    }
  }

  /** Whether the log is a stored one, to be appended to rather than started. */
  boolean resumed() {
    return first.isPresent();
  }
}
