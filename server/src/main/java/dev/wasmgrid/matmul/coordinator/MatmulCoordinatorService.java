package dev.wasmgrid.matmul.coordinator;

import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.http.Endpoint;
import dev.wasmgrid.http.Limits;
import dev.wasmgrid.http.Reply;
import dev.wasmgrid.http.Routes;
import dev.wasmgrid.http.Service;
import dev.wasmgrid.matmul.Matrix;
import dev.wasmgrid.matmul.rpc.RpcEnvelope;
import dev.wasmgrid.matmul.wire.MatmulRequest;
import dev.wasmgrid.matmul.wire.MatrixFrames;
import dev.wasmgrid.matmul.worker.MatmulEngine;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The coordinator's matmul routes. JSON requests (small by design) go whole to one worker and the
 * worker's answer is relayed unchanged, so {@code /rpc} bodies reach the worker byte for byte.
 * Binary products large enough to pay for the split are cut into tiles over the remote workers
 * ({@link ScatterGather}); smaller ones, and everything on the embedded worker, go whole. Work no
 * remote worker can take runs on the coordinator's own kernel, when it has one. The placing itself
 * is {@link MatmulRunner}'s, shared with long jobs. An {@code engine=wasm} product goes whole to
 * one worker, which computes it with its wasm kernel.
 */
public final class MatmulCoordinatorService implements Service {

  /**
   * Tiles per worker. One is the plan that moves the fewest bytes (every further band of A or B is
   * sent again), and it measured faster than two on loopback, where the cores that compute are the
   * cores that copy (see docs/architecture.md, "How many tiles").
   */
  public static final int TILES_PER_WORKER = 1;

  /** Where the policy is read and set. */
  public static final String CONFIG = "/v1/config/matmul";

  private final MatmulRunner runner;
  private final MatmulPolicy policy;
  private final int maxDimension;

  /**
   * @param runner places and computes the products
   * @param policy decides between local and distributed products; read and set at {@link #CONFIG}
   * @param maxDimension the largest matrix side accepted (the coordinator decodes what it splits)
   */
  public MatmulCoordinatorService(MatmulRunner runner, MatmulPolicy policy, int maxDimension) {
    this.runner = runner;
    this.policy = policy;
    this.maxDimension = maxDimension;
  }

  @Override
  public void routing(Routes routes) {
    routes.get(CONFIG, policy.view());
    routes.putBody(CONFIG, policy.update());
    routes.postBody(
        "/rpc",
        new Endpoint() {
          @Override
          public Reply handle(String contentType, byte[] body, Map<String, String> query) {
            return runner.whole("/rpc", contentType, body);
          }

          @Override
          public Reply error(Failure error) {
            return RpcEnvelope.error(true, error);
          }
        });
    routes.postBody(
        "/v1/matmul",
        new Endpoint() {
          @Override
          public long maxBodyBytes(String contentType, Limits limits) {
            return MatrixFrames.isFrames(contentType)
                ? MatrixFrames.maxProductBytes(limits)
                : limits.maxBodyBytes();
          }

          @Override
          public Reply handle(String contentType, byte[] body, Map<String, String> query) {
            return matmul(
                contentType,
                body,
                MatmulPolicy.Mode.fromQuery(query),
                MatmulEngine.fromQuery(query));
          }
        });
  }

  private Reply matmul(
      String contentType, byte[] body, MatmulPolicy.Mode mode, MatmulEngine engine) {
    if (engine == MatmulEngine.WASM) {
      // Not split: the wasm kernel is for whole products, which one worker computes.
      if (mode == MatmulPolicy.Mode.DISTRIBUTED) {
        throw Failure.invalid(
            "engine_not_distributed",
            "mode",
            "engine=wasm products run whole on one worker; use mode=auto or mode=local");
      }
      return runner.whole(
          "/v1/matmul?" + MatmulEngine.PARAMETER + "=" + engine.wireName(), contentType, body);
    }
    if (!runner.remoteWorkers()
        || !contentType.toLowerCase(Locale.ROOT).startsWith(MatrixFrames.MEDIA_TYPE)) {
      return runner.whole("/v1/matmul", contentType, body);
    }
    List<Matrix> ab = MatrixFrames.decode(body, maxDimension, "A", "B");
    MatmulRequest request = new MatmulRequest(ab.get(0), ab.get(1));
    return runner.multiply(
        body, request, runner.distribute(request, mode), ScatterGather.Progress.NONE);
  }
}
