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

  /** Below this many flops a product goes whole to one worker: a split would cost more than win. */
  static final double DISTRIBUTE_MIN_FLOPS = 2.0 * 384 * 384 * 384;

  /** Tiles per worker: two in flight, so one uploads while the other computes. */
  public static final int TILES_PER_WORKER = 2;

  private final WorkerPool pool;
  private final boolean remoteWorkers;
  private final int maxDimension;
  private final Optional<WorkerClient> local;

  /**
   * @param remoteWorkers whether the pool's workers are other processes, worth splitting over
   * @param maxDimension the largest matrix side accepted (the coordinator decodes what it splits)
   * @param local the coordinator's own kernel, for work no remote worker could take; empty for none
   */
  public CoordinatorEndpoints(
      WorkerPool pool, boolean remoteWorkers, int maxDimension, Optional<WorkerClient> local) {
    this.pool = pool;
    this.remoteWorkers = remoteWorkers;
    this.maxDimension = maxDimension;
    this.local = local;
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
        this::matmul);
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
      try {
        return local.get().call(path, contentType, body);
      } catch (IOException unreachable) {
        throw new UncheckedIOException("the in-process worker failed", unreachable);
      }
    }
  }

  private Reply matmul(String contentType, byte[] body) {
    if (!remoteWorkers
        || !contentType.toLowerCase(Locale.ROOT).startsWith(MatrixFrames.MEDIA_TYPE)) {
      return whole("/v1/matmul", contentType, body);
    }
    List<Matrix> ab = MatrixFrames.decode(body, maxDimension, "A", "B");
    MatmulRequest request = new MatmulRequest(ab.get(0), ab.get(1));
    if (request.flops() < DISTRIBUTE_MIN_FLOPS) {
      return whole("/v1/matmul", contentType, body);
    }
    long start = System.nanoTime();
    ScatterGather.Outcome outcome =
        ScatterGather.multiply(request, pool.workers(), TILES_PER_WORKER, local);
    LOG.info(
        "matmul {}x{}x{} in {}x{} tiles over {} in {} ms, {} MB moved",
        request.a().rows(),
        request.a().cols(),
        request.b().cols(),
        outcome.plan().rowBands(),
        outcome.plan().colBands(),
        outcome.tiles(),
        (System.nanoTime() - start) / 1_000_000,
        (outcome.bytesSent() + outcome.bytesReceived()) / 1_000_000);
    return new Reply(200, MatrixFrames.MEDIA_TYPE, MatrixFrames.encode(outcome.c()));
  }
}
