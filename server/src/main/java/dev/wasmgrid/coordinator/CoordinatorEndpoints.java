package dev.wasmgrid.coordinator;

import dev.wasmgrid.http.ApiError;
import dev.wasmgrid.http.Endpoint;
import dev.wasmgrid.http.Reply;
import dev.wasmgrid.matmul.Matrix;
import dev.wasmgrid.matmul.wire.MatmulRequest;
import dev.wasmgrid.matmul.wire.MatrixFrames;
import dev.wasmgrid.rpc.RpcEnvelope;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's matmul routes. JSON requests (small by design) go whole to one worker and the
 * worker's answer is relayed unchanged, so {@code /rpc} bodies reach the worker byte for byte.
 * Binary products large enough to pay for the split are cut into tiles over the remote workers
 * ({@link ScatterGather}); smaller ones, and everything on the embedded worker, go whole. Work no
 * remote worker can take runs on the coordinator's own kernel, when it has one.
 */
public final class CoordinatorEndpoints {
  private static final Logger LOG = LoggerFactory.getLogger(CoordinatorEndpoints.class);

  /** Tiles per worker: two in flight, so one uploads while the other computes. */
  public static final int TILES_PER_WORKER = 2;

  private final WorkerPool pool;
  private final boolean remoteWorkers;
  private final int maxDimension;
  private final Optional<WorkerClient> local;
  private final MatmulPolicy policy;

  /**
   * @param remoteWorkers whether the pool's workers are other processes, worth splitting over
   * @param maxDimension the largest matrix side accepted (the coordinator decodes what it splits)
   * @param local the coordinator's own kernel, for local products and for work no remote worker
   *     could take; empty for none
   * @param policy where binary products run
   */
  public CoordinatorEndpoints(
      WorkerPool pool,
      boolean remoteWorkers,
      int maxDimension,
      Optional<WorkerClient> local,
      MatmulPolicy policy) {
    this.pool = pool;
    this.remoteWorkers = remoteWorkers;
    this.maxDimension = maxDimension;
    this.local = local;
    this.policy = policy;
  }

  /** The routes, by path. */
  public Map<String, Endpoint> routes() {
    return Map.of(
        "/rpc",
        new Endpoint() {
          @Override
          public Reply handle(String contentType, byte[] body) {
            return whole("/rpc", contentType, body);
          }

          @Override
          public Reply error(ApiError error) {
            return RpcEnvelope.error(true, error);
          }
        },
        "/v1/matmul",
        new Endpoint() {
          @Override
          public Reply handle(String contentType, byte[] body) {
            return matmul(contentType, body, MatmulPolicy.Mode.AUTO);
          }

          @Override
          public Reply handle(String contentType, byte[] body, Map<String, String> query) {
            String mode = query.get("mode");
            return matmul(
                contentType,
                body,
                mode == null ? MatmulPolicy.Mode.AUTO : MatmulPolicy.Mode.parse(mode, "mode"));
          }
        });
  }

  /** Sends a request whole to one worker, or to the local kernel when no worker can take it. */
  private Reply whole(String path, String contentType, byte[] body) {
    try {
      return pool.call(path, contentType, body);
    } catch (ApiError e) {
      if (local.isEmpty() || e.status() != 503) {
        throw e;
      }
      LOG.warn("no worker could take {}; computing it locally", path);
      return localCall(path, contentType, body);
    }
  }

  private Reply matmul(String contentType, byte[] body, MatmulPolicy.Mode mode) {
    if (!remoteWorkers
        || !contentType.toLowerCase(Locale.ROOT).startsWith(MatrixFrames.MEDIA_TYPE)) {
      return whole("/v1/matmul", contentType, body);
    }
    List<Matrix> ab = MatrixFrames.decode(body, maxDimension, "A", "B");
    MatmulRequest request = new MatmulRequest(ab.get(0), ab.get(1));
    long start = System.nanoTime();
    if (!policy.distribute(request.flops(), mode)) {
      if (local.isEmpty()) {
        return whole("/v1/matmul", contentType, body);
      }
      Reply reply = localCall("/v1/matmul", contentType, body);
      if (reply.status() == 200) {
        policy.recordLocal(request.flops(), System.nanoTime() - start);
      }
      return reply;
    }
    ScatterGather.Outcome outcome =
        ScatterGather.multiply(request, pool.workers(), TILES_PER_WORKER, local);
    long nanos = System.nanoTime() - start;
    policy.recordDistributed(request.flops(), nanos);
    LOG.info(
        "matmul {}x{}x{} in {}x{} tiles over {} in {} ms, {} MB moved",
        request.a().rows(),
        request.a().cols(),
        request.b().cols(),
        outcome.plan().rowBands(),
        outcome.plan().colBands(),
        outcome.tiles(),
        nanos / 1_000_000,
        (outcome.bytesSent() + outcome.bytesReceived()) / 1_000_000);
    return new Reply(200, MatrixFrames.MEDIA_TYPE, MatrixFrames.encode(outcome.c()));
  }

  private Reply localCall(String path, String contentType, byte[] body) {
    try {
      return local.orElseThrow().call(path, contentType, body);
    } catch (IOException unreachable) {
      throw new UncheckedIOException("the in-process worker failed", unreachable);
    }
  }
}
