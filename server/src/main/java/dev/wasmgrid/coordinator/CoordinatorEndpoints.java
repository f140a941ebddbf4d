package dev.wasmgrid.coordinator;

import dev.wasmgrid.http.ApiError;
import dev.wasmgrid.http.Endpoint;
import dev.wasmgrid.http.Reply;
import dev.wasmgrid.rpc.RpcEnvelope;
import java.util.Map;

/**
 * The coordinator's matmul routes. Each request goes whole to one worker (in-process or remote) and
 * the worker's answer is relayed unchanged, so {@code /rpc} bodies reach the worker byte for byte.
 */
public final class CoordinatorEndpoints {
  private final WorkerPool pool;

  public CoordinatorEndpoints(WorkerPool pool) {
    this.pool = pool;
  }

  /** The routes, by path. */
  public Map<String, Endpoint> routes() {
    return Map.of(
        "/rpc",
        new Endpoint() {
          @Override
          public Reply handle(String contentType, byte[] body) {
            return pool.call("/rpc", contentType, body);
          }

          @Override
          public Reply error(ApiError error) {
            return RpcEnvelope.error(true, error);
          }
        },
        "/v1/matmul",
        (contentType, body) -> pool.call("/v1/matmul", contentType, body));
  }
}
