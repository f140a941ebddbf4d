package dev.wasmgrid.grid;

import java.io.IOException;

/**
 * A worker answered 401 to a call the coordinator made with its own token: the two were given
 * different tokens. The client's request was fine, so the worker's 401 must not reach it as if its
 * own token were wrong.
 */
public final class WorkerUnauthorizedException extends IOException {
  private static final long serialVersionUID = 1L;

  /** For the worker called {@code worker} (its base URL). */
  public WorkerUnauthorizedException(String worker) {
    super(
        "worker "
            + worker
            + " does not accept this coordinator's token (it answered 401): give the coordinator"
            + " and its workers the same --token / WASMGRID_TOKEN");
  }
}
