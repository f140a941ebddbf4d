package dev.wasmgrid.matmul.jobs;

import java.time.Duration;
import java.time.InstantSource;

/**
 * Limits of the long-job API; all are on by default.
 *
 * @param maxActive jobs queued or running at once; one more is refused with 503 {@code
 *     too_many_jobs} (each holds its operands until it ends)
 * @param maxRunning jobs computing at once; the others wait in submission order
 * @param ttl how long a finished job, and its C, is kept after it ends
 * @param maxFinished finished jobs kept at most; the oldest go first
 * @param clock the time for {@code ttl} and the status timestamps (a fake one in tests)
 */
public record JobSettings(
    int maxActive, int maxRunning, Duration ttl, int maxFinished, InstantSource clock) {

  /**
   * 8 active jobs, 1 running: a distributed job already uses every worker, so a second one at once
   * would only share them, and a local one every core. Finished jobs are kept 10 minutes, at most
   * 16 of them.
   */
  public static final JobSettings DEFAULTS =
      new JobSettings(8, 1, Duration.ofMinutes(10), 16, InstantSource.system());

  public JobSettings {
    if (maxActive < 1 || maxRunning < 1 || maxFinished < 0 || ttl.isNegative()) {
      throw new IllegalArgumentException(
          "job limits must be positive: maxActive="
              + maxActive
              + " maxRunning="
              + maxRunning
              + " maxFinished="
              + maxFinished
              + " ttl="
              + ttl);
    }
  }
}
