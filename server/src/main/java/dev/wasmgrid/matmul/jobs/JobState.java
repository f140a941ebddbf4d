package dev.wasmgrid.matmul.jobs;

import java.util.Locale;

/** Where a job is in its life: {@code queued -> running ->} one of the three final states. */
public enum JobState {
  QUEUED,
  RUNNING,
  SUCCEEDED,
  FAILED,
  CANCELLED;

  /** The lower-case name used on the wire. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Whether the job has finished: its state, progress and result no longer change. */
  public boolean finished() {
    return this == SUCCEEDED || this == FAILED || this == CANCELLED;
  }
}
