package dev.wasmgrid.matmul.jobs;

import dev.wasmgrid.matmul.Dtype;
import dev.wasmgrid.matmul.coordinator.MatmulPolicy;
import dev.wasmgrid.matmul.coordinator.ScatterGather;
import dev.wasmgrid.matmul.wire.MatmulRequest;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One product computed in the background: its state, progress and, once it succeeded, C as a binary
 * frame. Thread-safe: the runner, the tile loops (through {@link ScatterGather.Progress}) and any
 * number of HTTP requests read and change it. A finished job never changes again; in particular a
 * late answer cannot turn a cancelled job into a succeeded one.
 */
public final class MatmulJob implements ScatterGather.Progress {

  private final String id;
  private final MatmulPolicy.Mode requestedMode;
  private final boolean distributed;
  private final Dtype dtype;
  private final int m;
  private final int k;
  private final int n;
  private final Instant submittedAt;
  private final InstantSource clock;
  private final JobRecords records;

  // Read without the lock by the tile loops, which ask often.
  private volatile boolean cancelled;

  // Everything below is guarded by this.
  // The body as sent, A then B frames; dropped when the job ends. Queued jobs keep only these
  // bytes, not the decoded matrices as well, so that a full queue holds half the memory.
  private byte[] frames;
  private JobState state = JobState.QUEUED;
  private int blocksDone;
  private int blocksTotal;
  private long bytesSent;
  private long bytesReceived;
  private Instant startedAt;
  private Instant finishedAt;
  private JobStatus.Reason error;
  private byte[] result;
  private boolean resultFetched;
  private long version;

  MatmulJob(
      String id,
      byte[] frames,
      MatmulRequest request,
      MatmulPolicy.Mode requestedMode,
      boolean distributed,
      InstantSource clock,
      JobRecords records) {
    this.id = id;
    this.frames = frames;
    this.requestedMode = requestedMode;
    this.distributed = distributed;
    this.dtype = request.a().dtype();
    this.m = request.a().rows();
    this.k = request.a().cols();
    this.n = request.b().cols();
    this.clock = clock;
    this.records = records;
    this.submittedAt = clock.instant();
    records.save(status());
  }

  /** A job read back from its record: as it was saved, without operands or C. */
  private MatmulJob(JobStatus saved, InstantSource clock, JobRecords records) {
    this.id = saved.id();
    this.requestedMode = saved.requestedMode();
    this.distributed = saved.distributed();
    this.dtype = saved.dtype();
    this.m = saved.m();
    this.k = saved.k();
    this.n = saved.n();
    this.submittedAt = saved.submittedAt();
    this.clock = clock;
    this.records = records;
    this.state = saved.state();
    this.blocksDone = saved.blocksDone();
    this.blocksTotal = saved.blocksTotal();
    this.bytesSent = saved.bytesSent();
    this.bytesReceived = saved.bytesReceived();
    this.startedAt = saved.startedAt().orElse(null);
    this.finishedAt = saved.finishedAt().orElse(null);
    this.error = saved.error().orElse(null);
  }

  /**
   * The job a previous coordinator saved. One it left queued or running can no longer finish: it
   * fails now with {@code coordinator_restarted}, and its record says so.
   */
  static MatmulJob restore(JobStatus saved, InstantSource clock, JobRecords records) {
    MatmulJob job = new MatmulJob(saved, clock, records);
    job.interrupt(
        "coordinator_restarted",
        "the coordinator stopped while this job was "
            + saved.state().wireName()
            + " and was started again; its work is lost: submit it again");
    return job;
  }

  /** The job's id. */
  public String id() {
    return id;
  }

  /** Its reference for logs: see {@link JobStatus#ref()}. */
  public String ref() {
    return JobStatus.ref(id);
  }

  /** Whether it runs split over the workers: decided when it was submitted, never changed. */
  boolean distributed() {
    return distributed;
  }

  /** Its state now. */
  public synchronized JobState state() {
    return state;
  }

  /** A snapshot of the job now. */
  public synchronized JobStatus status() {
    Instant end = finishedAt == null ? clock.instant() : finishedAt;
    return new JobStatus(
        id,
        state,
        requestedMode,
        distributed,
        dtype,
        m,
        k,
        n,
        blocksDone,
        blocksTotal,
        bytesSent,
        bytesReceived,
        submittedAt,
        Optional.ofNullable(startedAt),
        Optional.ofNullable(finishedAt),
        Math.max(0, Duration.between(submittedAt, end).toMillis()),
        Optional.ofNullable(error),
        version);
  }

  /**
   * The next snapshot after {@code seenVersion}: at once when the job has changed since, otherwise
   * after the next change or after {@code timeout}, whichever comes first (then with the same
   * version).
   */
  public synchronized JobStatus awaitChange(long seenVersion, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    long left = timeout.toNanos();
    while (version == seenVersion && left > 0) {
      TimeUnit.NANOSECONDS.timedWait(this, left);
      left = deadline - System.nanoTime();
    }
    return status();
  }

  /** C as one binary frame, when the job succeeded. */
  public synchronized Optional<byte[]> result() {
    return Optional.ofNullable(result);
  }

  /**
   * As {@link #result()}, noting that a client fetched it (a draining coordinator waits for it).
   */
  synchronized Optional<byte[]> fetchResult() {
    resultFetched = result != null;
    return result();
  }

  /** Whether it succeeded at or after {@code since} and nobody has fetched its C yet. */
  synchronized boolean resultAwaited(Instant since) {
    return result != null && !resultFetched && finishedAt != null && !finishedAt.isBefore(since);
  }

  /** When it finished; empty while queued or running. */
  synchronized Optional<Instant> finishedAt() {
    return Optional.ofNullable(finishedAt);
  }

  /**
   * Queued to running; the frames to compute (A then B, checked when submitted), or empty when it
   * was cancelled meanwhile.
   */
  synchronized Optional<byte[]> start() {
    if (state != JobState.QUEUED) {
      return Optional.empty();
    }
    state = JobState.RUNNING;
    startedAt = clock.instant();
    changed();
    records.save(status());
    return Optional.of(frames);
  }

  /** Running to succeeded, with C; ignored when the job already finished (cancelled). */
  synchronized void succeed(byte[] frame) {
    if (finish(JobState.SUCCEEDED)) {
      result = frame;
      records.save(status());
    }
  }

  /** Running to failed; ignored when the job already finished (cancelled). */
  synchronized void fail(String code, String message) {
    if (finish(JobState.FAILED)) {
      error = new JobStatus.Reason(code, message);
      records.save(status());
    }
  }

  /**
   * Queued or running to failed with {@code code}, at once, and the tile loops stop as for {@link
   * #cancel()}: for jobs the coordinator gives up on when it stops. A finished job stays as it is.
   */
  synchronized void interrupt(String code, String message) {
    if (finish(JobState.FAILED)) {
      error = new JobStatus.Reason(code, message);
      cancelled = true;
      records.save(status());
    }
  }

  /**
   * Queued or running to cancelled, at once: the tile loops stop taking tiles at their next look,
   * and whatever the runner still computes is thrown away. A finished job stays as it is.
   */
  synchronized void cancel() {
    if (finish(JobState.CANCELLED)) {
      cancelled = true;
      records.save(status());
    }
  }

  private boolean finish(JobState end) {
    if (state.finished()) {
      return false;
    }
    state = end;
    finishedAt = clock.instant();
    // The operands can be large and are never needed again; the runner holds its own reference
    // only as long as it computes.
    frames = null;
    changed();
    return true;
  }

  @Override
  public synchronized void tileDone(int done, int total, long sent, long received) {
    if (state != JobState.RUNNING) {
      return; // a cancelled job's last tiles change nothing
    }
    // Tile loops report concurrently and out of order: keep the furthest values.
    blocksTotal = total;
    blocksDone = Math.max(blocksDone, done);
    bytesSent = Math.max(bytesSent, sent);
    bytesReceived = Math.max(bytesReceived, received);
    changed();
  }

  @Override
  public boolean cancelled() {
    return cancelled;
  }

  private void changed() {
    version++;
    notifyAll();
  }
}
