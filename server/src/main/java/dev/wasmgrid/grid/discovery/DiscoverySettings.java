package dev.wasmgrid.grid.discovery;

import java.time.Duration;

/**
 * How often the coordinator looks for workers and checks on them.
 *
 * @param discoveryInterval how often DNS names are re-resolved
 * @param heartbeatInterval how often joined workers are asked to send a heartbeat; one that sends
 *     none for {@link #heartbeatTimeout()} is dropped
 * @param probeInterval how often workers marked down are probed with {@code GET /health/ready}
 * @param downAfter consecutive failed calls after which a worker is marked down
 */
public record DiscoverySettings(
    Duration discoveryInterval, Duration heartbeatInterval, Duration probeInterval, int downAfter) {

  /** Re-resolve every 10 s, heartbeats every 3 s, probe every 5 s, down after 3 failures. */
  public static final DiscoverySettings DEFAULTS =
      new DiscoverySettings(
          Duration.ofSeconds(10), Duration.ofSeconds(3), Duration.ofSeconds(5), 3);

  /** Heartbeats a joined worker may miss before it is dropped. */
  public static final int MISSED_HEARTBEATS = 3;

  public DiscoverySettings {
    for (Duration d : new Duration[] {discoveryInterval, heartbeatInterval, probeInterval}) {
      if (d.toMillis() < 1) {
        throw new IllegalArgumentException("discovery intervals must be at least 1 ms, not " + d);
      }
    }
    if (downAfter < 1) {
      throw new IllegalArgumentException("downAfter must be at least 1, not " + downAfter);
    }
  }

  /** How long a joined worker may go without a heartbeat before it is dropped. */
  public Duration heartbeatTimeout() {
    return heartbeatInterval.multipliedBy(MISSED_HEARTBEATS);
  }
}
