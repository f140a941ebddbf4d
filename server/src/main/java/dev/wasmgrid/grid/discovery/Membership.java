package dev.wasmgrid.grid.discovery;

import dev.wasmgrid.grid.WorkerClient;
import dev.wasmgrid.grid.WorkerPool;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the pool's workers in step with the discovery sources: re-reads the polled ones when asked
 * (the coordinator's scheduler does it periodically) and applies joins and heartbeats as they
 * arrive.
 */
public final class Membership {
  private static final Logger LOG = LoggerFactory.getLogger(Membership.class);

  private final WorkerPool pool;
  private final List<WorkerDiscovery> polled;
  private final JoinRegistry joins;
  private final Function<URI, WorkerClient> connect;

  /**
   * @param joins the registry of joined workers, or null when joins are not accepted
   * @param connect makes the client for a discovered URL
   */
  public Membership(
      WorkerPool pool,
      List<WorkerDiscovery> polled,
      JoinRegistry joins,
      Function<URI, WorkerClient> connect) {
    this.pool = pool;
    this.polled = List.copyOf(polled);
    this.joins = joins;
    this.connect = connect;
  }

  /** Re-reads every polled source (static URLs, DNS names). */
  public void refreshPolled() {
    polled.forEach(this::refresh);
  }

  /** Drops joined workers whose heartbeats stopped. */
  public void expireJoins() {
    if (joins != null) {
      refresh(joins);
    }
  }

  /** Whether workers may join. */
  public boolean acceptsJoins() {
    return joins != null;
  }

  /**
   * Applies a join or heartbeat: a new worker enters the pool at once, and a restarted one (same
   * URL, new instance) keeps its entry with its failures cleared.
   *
   * @throws IllegalStateException when joins are not accepted
   */
  public JoinRegistry.Beat heartbeat(URI url, String instance) {
    if (joins == null) {
      throw new IllegalStateException("joins are not accepted");
    }
    JoinRegistry.Beat beat;
    // The same lock as refresh(joins), so an expiry cannot undo a join it did not see.
    synchronized (joins) {
      beat = joins.beat(url, instance);
      if (beat == JoinRegistry.Beat.JOINED) {
        pool.sync(joins.source(), joins.discover(), connect);
      }
    }
    switch (beat) {
      case JOINED -> LOG.info("worker {} joined (instance {})", url, instance);
      case RESTARTED ->
          pool.reset(url.toString(), "it re-registered as a new instance (" + instance + ")");
      case REFRESHED -> {}
    }
    pool.seen(url.toString());
    return beat;
  }

  private void refresh(WorkerDiscovery source) {
    // One lock per source: a slow DNS lookup must not hold up joins.
    synchronized (source) {
      Set<URI> urls;
      try {
        urls = source.discover();
      } catch (IOException e) {
        // A DNS blip must not empty the pool; workers that are really gone fail and go down.
        LOG.warn("cannot read {}; keeping its last workers: {}", source, e.toString());
        return;
      }
      pool.sync(source.source(), urls, connect);
    }
  }
}
