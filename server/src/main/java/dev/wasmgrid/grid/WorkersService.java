package dev.wasmgrid.grid;

import dev.wasmgrid.grid.discovery.DiscoverySettings;
import dev.wasmgrid.grid.discovery.JoinEndpoint;
import dev.wasmgrid.grid.discovery.Membership;
import dev.wasmgrid.http.Routes;
import dev.wasmgrid.http.Service;

/**
 * A coordinator's view of its workers: {@code GET /v1/workers} lists them with their health and
 * measured speeds, and {@code POST /v1/workers/join} is where workers register and send heartbeats.
 */
public final class WorkersService implements Service {
  private final WorkerPool pool;
  private final Membership membership;
  private final DiscoverySettings settings;

  /** The pool's workers, joined through {@code membership} on {@code settings}' heartbeats. */
  public WorkersService(WorkerPool pool, Membership membership, DiscoverySettings settings) {
    this.pool = pool;
    this.membership = membership;
    this.settings = settings;
  }

  @Override
  public void routing(Routes routes) {
    routes.get("/v1/workers", new WorkerListing(pool));
    routes.postBody("/v1/workers/join", new JoinEndpoint(membership, settings));
  }
}
