package dev.wasmgrid.grid.discovery;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Workers that registered themselves with {@code POST /v1/workers/join} and keep sending
 * heartbeats. A worker silent for longer than the timeout is dropped the next time the set is read.
 */
public final class JoinRegistry implements WorkerDiscovery {
  private static final Logger LOG = LoggerFactory.getLogger(JoinRegistry.class);

  /** What a heartbeat meant to the registry. */
  public enum Beat {
    /** The URL was not registered: the worker joined. */
    JOINED,
    /** The URL was registered by another process instance: the worker restarted. */
    RESTARTED,
    /** A heartbeat from a registered worker. */
    REFRESHED
  }

  private record Registration(String instance, Instant lastBeat) {}

  private final Duration timeout;
  private final InstantSource clock;
  // Guarded by this.
  private final Map<URI, Registration> registrations = new HashMap<>();

  public JoinRegistry(Duration timeout, InstantSource clock) {
    this.timeout = timeout;
    this.clock = clock;
  }

  @Override
  public String source() {
    return "join";
  }

  /**
   * Records a join or heartbeat from the worker at {@code url}.
   *
   * @param instance changes when the worker process restarts; empty when the worker does not say
   */
  public synchronized Beat beat(URI url, String instance) {
    Registration previous = registrations.put(url, new Registration(instance, clock.instant()));
    if (previous == null) {
      return Beat.JOINED;
    }
    return Objects.equals(previous.instance(), instance) ? Beat.REFRESHED : Beat.RESTARTED;
  }

  /** The registered workers, after dropping those whose heartbeats stopped. */
  @Override
  public synchronized Set<URI> discover() {
    Instant oldest = clock.instant().minus(timeout);
    for (Iterator<Map.Entry<URI, Registration>> it = registrations.entrySet().iterator();
        it.hasNext(); ) {
      Map.Entry<URI, Registration> entry = it.next();
      if (entry.getValue().lastBeat().isBefore(oldest)) {
        it.remove();
        LOG.info(
            "worker {} dropped: no heartbeat since {} (timeout {})",
            entry.getKey(),
            entry.getValue().lastBeat(),
            timeout);
      }
    }
    return Set.copyOf(registrations.keySet());
  }
}
