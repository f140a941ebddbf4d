package dev.wasmgrid.http;

/**
 * Limits that protect a server from oversized, abusive or stalled requests; all are on by default.
 *
 * @param maxBodyBytes largest request body accepted (413 above it)
 * @param maxDimension largest number of rows or columns of any matrix, operand or result (413 above
 *     it), which also bounds the memory a result can take
 * @param maxConcurrentRequests requests served at once per listener; more get 503 {@code
 *     overloaded}. The health probes are not counted, so that they are answered whatever the load
 * @param timeouts how long the server waits on a client that sends nothing
 */
public record Limits(
    long maxBodyBytes, int maxDimension, int maxConcurrentRequests, ReadTimeouts timeouts) {

  /** 64 MiB bodies, 8192 rows/columns, 256 concurrent requests, {@link ReadTimeouts#DEFAULTS}. */
  public static final Limits DEFAULTS = new Limits(64L << 20, 8192, 256);

  public Limits {
    if (maxBodyBytes < 1 || maxDimension < 1 || maxConcurrentRequests < 1) {
      throw new IllegalArgumentException(
          "limits must be positive: maxBodyBytes="
              + maxBodyBytes
              + " maxDimension="
              + maxDimension
              + " maxConcurrentRequests="
              + maxConcurrentRequests);
    }
  }

  /** Limits with the default {@link ReadTimeouts}. */
  public Limits(long maxBodyBytes, int maxDimension, int maxConcurrentRequests) {
    this(maxBodyBytes, maxDimension, maxConcurrentRequests, ReadTimeouts.DEFAULTS);
  }
}
