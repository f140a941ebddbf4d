package dev.wasmgrid.modules.coordinator;

import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.http.Reply;
import dev.wasmgrid.modules.worker.StateStamp;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where the state of each stateful module was last built through this coordinator: the worker and
 * the state epoch (see {@link StateStamp}) of its last successful state-building call. An answer
 * stamped with another epoch ran where that state is not — another worker after a failover, or the
 * same one restarted or given its policy again — so it is withheld and the caller told {@code
 * state_lost} until a state-building call succeeds under the new epoch: the guest would otherwise
 * answer from an empty state, a wrong answer that looks right (issue 15).
 */
final class StateEpochs {

  /** Where a module's state was built. */
  private record Built(String epoch, String worker) {}

  private final Map<String, Built> built = new ConcurrentHashMap<>();

  /** The worker holding the state built for {@code module}, if any. */
  Optional<String> worker(String module) {
    return Optional.ofNullable(built.get(module)).map(Built::worker);
  }

  /**
   * Checks {@code reply}, the answer of {@code worker} to a call of {@code module}: notes where a
   * state-building call built state, and refuses an answer from under another epoch.
   *
   * @return 409 {@code state_lost} to answer instead of {@code reply}; empty to relay it
   */
  Optional<Failure> lost(String module, String worker, Reply reply) {
    Optional<StateStamp> stamp =
        Optional.ofNullable(reply.headers().get(StateStamp.HEADER)).flatMap(StateStamp::parse);
    if (stamp.isEmpty()) {
      return Optional.empty(); // a stateless module, or an answer before the call ran
    }
    if (stamp.get().built()) {
      built.put(module, new Built(stamp.get().epoch(), worker));
      return Optional.empty();
    }
    Built before = built.get(module);
    if (before == null || before.epoch().equals(stamp.get().epoch())) {
      return Optional.empty();
    }
    String where =
        before.worker().equals(worker)
            ? "the same worker, whose state began afresh (it restarted, or the module or its"
                + " recycling policy was set again)"
            : "worker " + worker + ", which does not hold it";
    return Optional.of(
        new Failure(
            Failure.Kind.CONFLICT,
            "state_lost",
            "",
            ("module '%s': its state was built on worker %s (state epoch %s), and this call reached %s"
                    + " (state epoch %s); its answer is withheld, as it would come from a state"
                    + " without yours. Build the state again (call a state-building export) and use"
                    + " the handles it returns")
                .formatted(module, before.worker(), before.epoch(), where, stamp.get().epoch())));
  }

  /** Forgets the state of a module deleted through the coordinator. */
  void forget(String module) {
    built.remove(module);
  }
}
