package dev.wasmgrid.sim.live;

import dev.wasmgrid.errors.Failure;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/** The live simulations of a coordinator, by id; at most {@link SimLimits#maxLive()} at once. */
public final class LiveSims implements AutoCloseable {
  private final Map<String, LiveSim> byId = new ConcurrentHashMap<>();
  private final AtomicLong nextId = new AtomicLong(1);
  private final SimLimits limits;
  private final Function<LiveSimRequest, SimEngine> engines;

  /**
   * @param engines builds the engine of a specification (throws {@link Failure} when it cannot)
   */
  LiveSims(SimLimits limits, Function<LiveSimRequest, SimEngine> engines) {
    this.limits = limits;
    this.engines = engines;
  }

  SimLimits limits() {
    return limits;
  }

  /**
   * Starts a simulation.
   *
   * @throws Failure 429 {@code too_many_sims} when {@link SimLimits#maxLive()} are running
   */
  synchronized LiveSim start(LiveSimRequest spec) {
    if (byId.size() >= limits.maxLive()) {
      throw new Failure(
          Failure.Kind.TOO_MANY,
          "too_many_sims",
          "",
          limits.maxLive()
              + (limits.maxLive() == 1 ? " simulation is" : " simulations are")
              + " live, the most allowed; DELETE one first");
    }
    String id = "s" + nextId.getAndIncrement();
    LiveSim sim = new LiveSim(id, spec, engines);
    byId.put(id, sim);
    return sim;
  }

  Optional<LiveSim> find(String id) {
    return Optional.ofNullable(byId.get(id));
  }

  /** Stops and forgets it; false when there was none. */
  boolean stop(String id) {
    LiveSim sim = byId.remove(id);
    if (sim == null) {
      return false;
    }
    sim.stop();
    return true;
  }

  List<LiveSim> list() {
    return byId.values().stream()
        .sorted(Comparator.comparingLong(s -> Long.parseLong(s.id().substring(1))))
        .toList();
  }

  @Override
  public void close() {
    List.copyOf(byId.keySet()).forEach(this::stop);
  }
}
