package dev.wasmgrid.grid;

import dev.wasmgrid.http.Reply;
import dev.wasmgrid.http.RouteTable;

/**
 * A worker running inside the coordinator's process: requests are dispatched to the worker's own
 * route table, the one a remote worker serves, without HTTP; streamed answers (a product's C, a
 * generation's events) stay streamed, written once by whoever sends them on.
 */
public final class LocalWorkerClient implements WorkerClient {
  private final RouteTable routes;

  /** A worker answering through {@code routes}. */
  public LocalWorkerClient(RouteTable routes) {
    this.routes = routes;
  }

  @Override
  public String name() {
    return "in-process";
  }

  @Override
  public Reply call(String path, String contentType, byte[] body) {
    return routes.dispatch("POST", path, contentType, body);
  }

  @Override
  public Reply exchange(String method, String target, String contentType, byte[] body) {
    return routes.dispatch(method, target, contentType, body);
  }
}
