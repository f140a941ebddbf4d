package dev.wasmgrid.matmul.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.http.Reply;
import dev.wasmgrid.http.RequestIds;
import dev.wasmgrid.matmul.Matrix;
import dev.wasmgrid.matmul.coordinator.MatmulPolicy;
import dev.wasmgrid.matmul.coordinator.MatmulRunner;
import dev.wasmgrid.matmul.wire.MatmulRequest;
import dev.wasmgrid.matmul.wire.MatrixFrames;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's long jobs: admits them within {@link JobSettings}, runs them on a small pool of
 * threads in submission order, and keeps finished ones for a while. Each job fixes where it runs
 * when it is submitted, so switching the mode at run time ({@code PUT /v1/config/matmul}) leaves
 * queued and running jobs alone.
 */
public final class MatmulJobs implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MatmulJobs.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** How often a draining coordinator looks whether the awaited results were fetched. */
  private static final long FETCH_POLL_MILLIS = 50;

  private final MatmulRunner runner;
  private final JobSettings settings;
  private final ExecutorService executor;
  private final JobRecords records;
  private final SecureRandom random = new SecureRandom();
  // In submission order; guarded by this.
  private final Map<String, MatmulJob> jobs = new LinkedHashMap<>();

  /** Jobs computed by {@code runner} within {@code settings}, kept in memory only. */
  public MatmulJobs(MatmulRunner runner, JobSettings settings) {
    this(runner, settings, JobRecords.none());
  }

  /**
   * Jobs computed by {@code runner} within {@code settings}, with a record of each in {@code
   * recordsDir} (created when missing). The records a previous coordinator left there are read
   * back: those of jobs it did not finish become {@code failed} with {@code coordinator_restarted}.
   *
   * @throws java.io.UncheckedIOException when the directory cannot be created or read
   */
  public MatmulJobs(MatmulRunner runner, JobSettings settings, Path recordsDir) {
    this(runner, settings, JobRecords.in(recordsDir));
  }

  private MatmulJobs(MatmulRunner runner, JobSettings settings, JobRecords records) {
    this.runner = runner;
    this.settings = settings;
    this.records = records;
    List<JobStatus> saved = new ArrayList<>(records.load());
    saved.sort(Comparator.comparing(JobStatus::submittedAt));
    for (JobStatus status : saved) {
      MatmulJob job = MatmulJob.restore(status, settings.clock(), records);
      jobs.put(job.id(), job);
    }
    if (!saved.isEmpty()) {
      LOG.info("read back {} job records", saved.size());
    }
    evictLocked();
    // Bounded: at most maxRunning products compute at once, whatever is submitted.
    this.executor =
        Executors.newFixedThreadPool(
            settings.maxRunning(), Thread.ofPlatform().name("wasmgrid-job-", 0).daemon().factory());
  }

  /**
   * Queues a product and decides now where it will run.
   *
   * @param frames the body as sent (A then B frames), relayed as is when it runs whole
   * @param request the same operands, decoded and checked (only their shape is kept)
   * @param mode the requested mode; {@code auto} follows the runtime setting as it is now
   * @throws Failure 503 {@code too_many_jobs} when {@link JobSettings#maxActive} jobs are queued or
   *     running
   */
  public MatmulJob submit(byte[] frames, MatmulRequest request, MatmulPolicy.Mode mode) {
    MatmulJob job;
    synchronized (this) {
      evict();
      long active = jobs.values().stream().filter(j -> !j.state().finished()).count();
      if (active >= settings.maxActive()) {
        throw new Failure(
            Failure.Kind.UNAVAILABLE,
            "too_many_jobs",
            "",
            active
                + (active == 1 ? " job is" : " jobs are")
                + " queued or running, the limit; retry when one has finished");
      }
      job =
          new MatmulJob(
              newId(),
              frames,
              request,
              mode,
              runner.distribute(request, mode),
              settings.clock(),
              records);
      jobs.put(job.id(), job);
    }
    // The job's calls to workers carry the id of the request that submitted it.
    executor.execute(RequestIds.carrying(() -> run(job)));
    return job;
  }

  /**
   * The job with this id.
   *
   * @throws Failure 404 {@code job_not_found} for an unknown id, or one evicted after it finished
   */
  public synchronized MatmulJob find(String id) {
    evict();
    MatmulJob job = jobs.get(id);
    if (job == null) {
      throw new Failure(
          Failure.Kind.NOT_FOUND,
          "job_not_found",
          "id",
          "no job " + id + "; finished jobs are kept for " + settings.ttl() + " at most");
    }
    return job;
  }

  /** Every job kept, in submission order. */
  public synchronized List<JobStatus> list() {
    evict();
    return jobs.values().stream().map(MatmulJob::status).toList();
  }

  /**
   * Cancels a queued or running job (a finished one stays as it is) and returns its status.
   *
   * @throws Failure 404 {@code job_not_found}
   */
  public JobStatus cancel(String id) {
    MatmulJob job = find(id);
    job.cancel();
    ended();
    return job.status();
  }

  /**
   * Waits until no job is queued or running, or until {@code deadline}: a stopping coordinator lets
   * the jobs it accepted finish.
   *
   * @return how many were still queued or running at the deadline (0 when all finished)
   */
  public synchronized long awaitFinished(Instant deadline) throws InterruptedException {
    long left = unfinished();
    long millis = deadline.toEpochMilli() - System.currentTimeMillis();
    while (left > 0 && millis > 0) {
      TimeUnit.MILLISECONDS.timedWait(this, millis);
      left = unfinished();
      millis = deadline.toEpochMilli() - System.currentTimeMillis();
    }
    return left;
  }

  /**
   * Waits until the C of every job that succeeded at or after {@code since} has been fetched, or
   * until {@code deadline}: C is not kept across a restart, so a job that finished during a drain
   * would otherwise have run for nothing.
   *
   * @return how many results were still unfetched at the deadline
   */
  public long awaitFetched(Instant since, Instant deadline) throws InterruptedException {
    while (true) {
      long left = awaited(since);
      if (left == 0 || !Instant.now().isBefore(deadline)) {
        return left;
      }
      TimeUnit.MILLISECONDS.sleep(FETCH_POLL_MILLIS); // fetches happen on request threads
    }
  }

  private synchronized long awaited(Instant since) {
    return jobs.values().stream().filter(j -> j.resultAwaited(since)).count();
  }

  private synchronized long unfinished() {
    return jobs.values().stream().filter(j -> !j.state().finished()).count();
  }

  /** Wakes {@link #awaitFinished}: a job ended. */
  private synchronized void ended() {
    notifyAll();
  }

  /**
   * Drops finished jobs older than {@link JobSettings#ttl}, then the oldest finished ones beyond
   * {@link JobSettings#maxFinished}. Done on every access; the coordinator also calls it
   * periodically, so an idle coordinator does not hold results forever.
   */
  public synchronized void evict() {
    evictLocked();
  }

  private void evictLocked() {
    Instant expired = settings.clock().instant().minus(settings.ttl());
    List<MatmulJob> finished = new ArrayList<>();
    for (MatmulJob job : List.copyOf(jobs.values())) {
      if (job.finishedAt().map(end -> !end.isAfter(expired)).orElse(false)) {
        drop(job);
      }
    }
    for (MatmulJob job : jobs.values()) {
      if (job.finishedAt().isPresent()) {
        finished.add(job);
      }
    }
    int excess = finished.size() - settings.maxFinished();
    if (excess > 0) {
      finished.sort(Comparator.comparing(job -> job.finishedAt().orElseThrow()));
      finished.subList(0, excess).forEach(this::drop);
    }
  }

  private void drop(MatmulJob job) {
    jobs.remove(job.id());
    records.delete(job.id());
  }

  private void run(MatmulJob job) {
    byte[] frames = job.start().orElse(null);
    if (frames == null) {
      return; // cancelled while queued
    }
    try {
      // Checked when submitted; decoded again here so that a queued job holds only its body.
      List<Matrix> ab = MatrixFrames.decode(frames, Integer.MAX_VALUE, "A", "B");
      Reply reply =
          runner.multiply(frames, new MatmulRequest(ab.get(0), ab.get(1)), job.distributed(), job);
      if (reply.status() == 200) {
        job.succeed(reply.body());
      } else {
        failWith(job, reply);
      }
    } catch (Failure e) {
      job.fail(e.code(), e.getMessage());
    } catch (OutOfMemoryError e) {
      // The job's memory is unreachable once it has failed, so the coordinator can go on.
      job.fail("out_of_memory", "not enough memory for this product; retry later");
    } catch (RuntimeException e) {
      LOG.error("job {} failed", job.ref(), e);
      job.fail("internal", "internal error: " + e.getClass().getName());
    }
    ended();
    LOG.info("job {} {}", job.ref(), job.state().wireName());
  }

  /** Fails a job with the error a worker answered ({@code {"error":{"code","message"}}}). */
  private static void failWith(MatmulJob job, Reply reply) {
    String code = "worker_error";
    String message = "the product failed with HTTP " + reply.status();
    try {
      JsonNode error = JSON.readTree(reply.body()).path("error");
      if (error.hasNonNull("code")) {
        code = error.get("code").asText();
        message = error.path("message").asText(message);
      }
    } catch (IOException notJson) {
      // Keep the generic code: the status says enough.
    }
    job.fail(code, message);
  }

  /** 128 random bits in hex: ids cannot be guessed, so one client cannot read another's C. */
  private String newId() {
    byte[] bits = new byte[16];
    random.nextBytes(bits);
    return HexFormat.of().formatHex(bits);
  }

  /**
   * Fails every unfinished job with {@code shutting_down}: their records say so, and a client is
   * not told they were cancelled, which nobody asked for. What their runners still compute is
   * thrown away.
   */
  public synchronized void abandon() {
    for (MatmulJob job : jobs.values()) {
      job.interrupt(
          "shutting_down",
          "the coordinator stopped before this job finished (its grace period, --drain-timeout,"
              + " ran out); submit it again");
    }
    notifyAll();
  }

  /** {@link #abandon() Abandons} the unfinished jobs and stops the runners. */
  @Override
  public void close() {
    abandon();
    executor.shutdownNow();
    try {
      if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
        LOG.warn("job runners still busy after 10 s; leaving them");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
