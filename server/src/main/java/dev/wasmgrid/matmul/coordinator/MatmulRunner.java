package dev.wasmgrid.matmul.coordinator;

import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.grid.WorkerClient;
import dev.wasmgrid.grid.WorkerPool;
import dev.wasmgrid.grid.WorkerSpeed;
import dev.wasmgrid.http.Reply;
import dev.wasmgrid.http.ServerTiming;
import dev.wasmgrid.matmul.wire.MatmulRequest;
import dev.wasmgrid.matmul.wire.MatrixFrames;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Computes products at the coordinator: whole on one worker, on the coordinator's own kernel
 * ({@code local}), or cut into tiles over the remote workers ({@code distributed}). Shared by the
 * synchronous routes ({@link MatmulCoordinatorService}) and long jobs ({@code /v1/jobs}), so both
 * place work, fall back and feed the {@link MatmulPolicy} measurements the same way.
 */
public final class MatmulRunner {
  private static final Logger LOG = LoggerFactory.getLogger(MatmulRunner.class);

  private final WorkerPool pool;
  private final boolean remoteWorkers;
  private final Optional<WorkerClient> local;
  private final MatmulPolicy policy;

  /**
   * @param remoteWorkers whether the pool's workers are other processes, worth splitting over
   * @param local the coordinator's own kernel, for local products and for work no remote worker
   *     could take; empty for none
   * @param policy where binary products run, and what each way has measured
   */
  public MatmulRunner(
      WorkerPool pool, boolean remoteWorkers, Optional<WorkerClient> local, MatmulPolicy policy) {
    this.pool = pool;
    this.remoteWorkers = remoteWorkers;
    this.local = local;
    this.policy = policy;
  }

  /** Whether the pool's workers are other processes, worth splitting over. */
  public boolean remoteWorkers() {
    return remoteWorkers;
  }

  /**
   * Whether a binary product is split over the workers: never without remote workers, otherwise as
   * the policy decides now under {@code mode} (the runtime setting when {@code auto}).
   */
  public boolean distribute(MatmulRequest request, MatmulPolicy.Mode mode) {
    return remoteWorkers && policy.distribute(request, mode, pool.speeds());
  }

  /** Sends a request whole to one worker, or to the local kernel when no worker can take it. */
  public Reply whole(String path, String contentType, byte[] body) {
    try {
      return pool.call(path, contentType, body);
    } catch (Failure e) {
      if (local.isEmpty() || e.kind() != Failure.Kind.UNAVAILABLE) {
        throw e;
      }
      LOG.warn("no worker could take {}; computing it locally", path);
      return localCall(path, contentType, body);
    }
  }

  /**
   * C = A·B for a body of binary frames, answered as a C frame or as the error a worker gave.
   *
   * @param frames the body, A then B, relayed as is when the product runs whole
   * @param request the same operands, decoded and checked
   * @param distribute whether to split it over the workers (see {@link #distribute})
   * @param progress hears placed tiles (0 of 1, then 1 of 1, when the product runs whole) and may
   *     cancel the product
   * @throws Failure 409 {@code cancelled} when {@code progress} cancelled it; 503 {@code
   *     no_worker_available} when no capacity is left
   */
  public Reply multiply(
      byte[] frames, MatmulRequest request, boolean distribute, ScatterGather.Progress progress) {
    long start = System.nanoTime();
    if (!distribute) {
      progress.tileDone(0, 1, 0, 0);
      Reply reply;
      if (local.isEmpty()) {
        reply = whole("/v1/matmul", MatrixFrames.MEDIA_TYPE, frames);
      } else {
        reply = localCall("/v1/matmul", MatrixFrames.MEDIA_TYPE, frames);
        if (reply.status() == 200) {
          long nanos = System.nanoTime() - start;
          policy.recordLocal(request.flops(), nanos);
          reply = withProductTime(reply, nanos);
        }
      }
      if (reply.status() == 200) {
        progress.tileDone(1, 1, 0, 0);
      }
      return reply;
    }
    List<WorkerClient> workers = pool.workers();
    if (workers.isEmpty()) {
      // Nothing to split over: as a whole product, answered by the local kernel or with the
      // pool's own error (which names workers refusing the token).
      return multiply(frames, request, false, progress);
    }
    List<WorkerSpeed.Estimate> speeds = pool.speeds();
    ScatterGather.Outcome outcome =
        ScatterGather.multiply(
            request, workers, MatmulCoordinatorService.TILES_PER_WORKER, local, progress);
    long nanos = System.nanoTime() - start;
    policy.recordDistributed(request, nanos, speeds);
    pool.record(outcome.timings());
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
    return withProductTime(MatrixFrames.answer(outcome.c()), nanos);
  }

  /** Adds the product's time to the answer's Server-Timing, after any kernel time it carries. */
  private static Reply withProductTime(Reply reply, long nanos) {
    String product = ServerTiming.format(ServerTiming.PRODUCT, nanos);
    String kernel = reply.headers().get(ServerTiming.HEADER);
    return reply.withHeader(
        ServerTiming.HEADER, kernel == null ? product : kernel + ", " + product);
  }

  private Reply localCall(String path, String contentType, byte[] body) {
    try {
      return local.orElseThrow().call(path, contentType, body);
    } catch (IOException unreachable) {
      throw new UncheckedIOException("the in-process worker failed", unreachable);
    }
  }
}
