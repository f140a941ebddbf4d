package dev.wasmgrid.modules.coordinator;

import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.grid.WorkerClient;
import dev.wasmgrid.http.Reply;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Places each call of a module's export on one worker holding the module: the one with the fewest
 * of the coordinator's module calls in flight, round-robin among equals. A worker that cannot be
 * reached, is busy (503) or turns out not to hold the module is skipped for the next; any other
 * answer, a trap (422) or a guest's timeout (504) included, is the call's own and is relayed
 * unchanged: running the call again elsewhere would fail the same way, or run it twice.
 *
 * <p>A stateful module (one with a recycling policy) is not balanced: its calls all go to one
 * worker, where the state they build lives (see {@link #home}); a 503 from it is relayed. An answer
 * that ran where the state built through this coordinator is not (after a failover, or a restart of
 * its worker) is withheld for 409 {@code state_lost} (see {@link StateEpochs}).
 */
final class CallPlacement {
  private static final Logger LOG = LoggerFactory.getLogger(CallPlacement.class);

  private final Supplier<List<WorkerClient>> workers;
  private final ModuleRegistry registry;
  private final ModuleDistributor distributor;
  private final MeterRegistry meters;
  private final AtomicInteger next = new AtomicInteger();
  private final Map<String, AtomicInteger> inflight = new ConcurrentHashMap<>();
  private final StateEpochs epochs = new StateEpochs();

  CallPlacement(
      Supplier<List<WorkerClient>> workers,
      ModuleRegistry registry,
      ModuleDistributor distributor,
      MeterRegistry meters) {
    this.workers = workers;
    this.registry = registry;
    this.distributor = distributor;
    this.meters = meters;
  }

  /**
   * Calls {@code export} of module {@code name} on one worker.
   *
   * @throws Failure 404 {@code module_not_found} when neither the coordinator nor any worker knows
   *     the module; 503 {@code no_worker_with_module} when no available worker holds it; 503 {@code
   *     no_worker_available} when every worker holding it failed; 409 {@code state_lost} when a
   *     stateful module's call ran where the state built through this coordinator is not
   */
  Reply call(String name, String export, String contentType, byte[] body) {
    List<WorkerClient> holders = holders(name);
    if (holders.isEmpty()) {
      distributor.refresh(); // a worker may have got it since it was last listed
      holders = holders(name);
    }
    if (holders.isEmpty()) {
      if (registry.find(name).isEmpty()) {
        throw new Failure(
            Failure.Kind.NOT_FOUND,
            "module_not_found",
            "name",
            "no module '" + name + "' is deployed");
      }
      throw new Failure(
          Failure.Kind.UNAVAILABLE,
          "no_worker_with_module",
          "name",
          "module '"
              + name
              + "' is deployed, but no available worker holds it yet; see GET /v1/workers");
    }
    String target = ModulePaths.module(name) + "/call/" + ModulePaths.segment(export);
    boolean stateful = registry.stateful(name, holders.stream().map(WorkerClient::name).toList());
    List<String> failures = new ArrayList<>();
    Reply busy = null;
    for (WorkerClient worker : stateful ? home(name, holders) : order(holders)) {
      AtomicInteger count = inflight(worker.name());
      Reply reply;
      count.incrementAndGet();
      try {
        reply = worker.exchange("POST", target, contentType, body);
      } catch (IOException e) {
        counted(worker, "unreachable");
        failures.add(worker.name() + ": " + e.getMessage());
        LOG.warn("module call {} failed on {}; trying another worker", target, worker.name(), e);
        continue;
      } finally {
        count.decrementAndGet();
      }
      if (reply.status() == 404
          && Broadcast.object(reply)
              .path("error")
              .path("code")
              .asText()
              .equals("module_not_found")) {
        registry.dropped(worker.name(), name);
        counted(worker, "missing");
        failures.add(worker.name() + " no longer holds it");
        continue;
      }
      if (reply.status() == 503 && !stateful) {
        counted(worker, "busy");
        busy = reply;
        failures.add(worker.name() + " is busy");
        continue;
      }
      Optional<Failure> lost = epochs.lost(name, worker.name(), reply);
      if (lost.isPresent()) {
        counted(worker, "state_lost");
        throw lost.get();
      }
      counted(worker, reply.status() / 100 == 2 ? "ok" : "error");
      return reply;
    }
    if (busy != null) {
      return busy;
    }
    throw new Failure(
        Failure.Kind.UNAVAILABLE,
        "no_worker_available",
        "",
        "no worker holding module '" + name + "' could take the call: " + failures);
  }

  /** The available workers last seen holding the module. */
  private List<WorkerClient> holders(String name) {
    return workers.get().stream().filter(w -> registry.holding(w.name(), name)).toList();
  }

  /** Forgets where the state of {@code name}, deleted through the coordinator, was built. */
  void forget(String name) {
    epochs.forget(name);
  }

  /**
   * For a stateful module, one worker: its state (the handles its calls return) lives in that
   * worker's instance, so every call goes there — where state was last built through the
   * coordinator, else the first by URL — and another holder takes over (without the state) only
   * when it cannot be reached. The state stays with the new holder once built there, even when the
   * old one comes back.
   */
  private List<WorkerClient> home(String name, List<WorkerClient> holders) {
    Optional<String> built = epochs.worker(name);
    return holders.stream()
        .sorted(
            Comparator.comparing((WorkerClient w) -> !built.map(w.name()::equals).orElse(false))
                .thenComparing(WorkerClient::name))
        .toList();
  }

  /** Fewest calls in flight first; equals in round-robin order. */
  private List<WorkerClient> order(List<WorkerClient> holders) {
    int start = Math.floorMod(next.getAndIncrement(), holders.size());
    List<WorkerClient> rotated = new ArrayList<>(holders.size());
    for (int i = 0; i < holders.size(); i++) {
      rotated.add(holders.get((start + i) % holders.size()));
    }
    // A snapshot: counts change while sorting, and a sort needs a consistent order.
    Map<String, Integer> load = new HashMap<>();
    rotated.forEach(w -> load.put(w.name(), inflight(w.name()).get()));
    rotated.sort(Comparator.comparingInt(w -> load.get(w.name()))); // stable: keeps the rotation
    return rotated;
  }

  private AtomicInteger inflight(String worker) {
    return inflight.computeIfAbsent(
        worker,
        w -> {
          AtomicInteger count = new AtomicInteger();
          Gauge.builder("wasmgrid.module.calls.inflight", count, AtomicInteger::get)
              .description("Module calls the coordinator has in flight on a worker")
              .tag("worker", w)
              .register(meters);
          return count;
        });
  }

  private void counted(WorkerClient worker, String outcome) {
    Counter.builder("wasmgrid.module.calls")
        .description(
            "Module calls the coordinator placed on a worker, by outcome: ok, error (the worker's"
                + " own error answer), busy (503), missing (it no longer held the module),"
                + " unreachable, state_lost (a stateful module's answer from where its state is"
                + " not, withheld)")
        .tag("worker", worker.name())
        .tag("outcome", outcome)
        .register(meters)
        .increment();
  }
}
