package dev.wasmgrid.http;

import java.util.List;

/**
 * The answer headers a worker's reply keeps when a coordinator reads it, and relays with it: the
 * rest describe one connection. Named here, below the workloads, so that the client reading worker
 * answers need not know which workload sets which.
 */
public final class RelayedHeaders {
  /** A stateful module's state epoch (see the modules workload's {@code StateStamp}). */
  public static final String STATE = "Wasmgrid-State";

  /** A busy worker's hint, which is the client's too when the answer is relayed. */
  public static final String RETRY_AFTER = "Retry-After";

  /** Every kept header, as {@link Reply} carries them. */
  public static final List<String> NAMES = List.of(ServerTiming.HEADER, STATE, RETRY_AFTER);

  private RelayedHeaders() {}
}
