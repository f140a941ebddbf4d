package dev.wasmgrid.coordinator;

import dev.wasmgrid.http.ApiError;
import dev.wasmgrid.http.Endpoint;
import dev.wasmgrid.http.Reply;
import java.util.Map;

/** A worker running inside the coordinator's process: its endpoints are called directly. */
public final class LocalWorkerClient implements WorkerClient {
  private final Map<String, Endpoint> routes;

  public LocalWorkerClient(Map<String, Endpoint> routes) {
    this.routes = Map.copyOf(routes);
  }

  @Override
  public String name() {
    return "in-process";
  }

  @Override
  public Reply call(String path, String contentType, byte[] body) {
    Endpoint endpoint = routes.get(path);
    if (endpoint == null) {
      throw new ApiError(404, "not_found", "", "the in-process worker has no route " + path);
    }
    return endpoint.serve(contentType, body);
  }
}
