package dev.wasmgrid.http;

/**
 * Request limits, on by default (documented in docs/api.md).
 *
 * @param maxBodyBytes largest request body accepted (413 above it)
 * @param maxDimension largest number of rows or columns of any matrix, operand or result (413 above
 *     it), which also bounds the memory a result can take
 * @param maxConcurrentRequests requests served at once per listener; more get 503 {@code
 *     overloaded}. The health probes are not counted, so that they are answered whatever the load
 * @param bodyMemoryBytes bytes all request bodies in flight may hold at once, a binary product's
 *     operands included (see {@link BodyBudget}); a body that finds no room gets 503 {@code
 *     bodies_over_budget}
 * @param timeouts how long the server waits on a client that sends nothing
 */
public record Limits(
    long maxBodyBytes,
    int maxDimension,
    int maxConcurrentRequests,
    long bodyMemoryBytes,
    ReadTimeouts timeouts) {

  /**
   * 64 MiB bodies, 8192 rows/columns, 256 concurrent requests, {@link #defaultBodyMemory()}, {@link
   * ReadTimeouts#DEFAULTS}.
   */
  public static final Limits DEFAULTS = new Limits(64L << 20, 8192, 256);

  public Limits {
    if (maxBodyBytes < 1 || maxDimension < 1 || maxConcurrentRequests < 1 || bodyMemoryBytes < 1) {
      throw new IllegalArgumentException(
          "limits must be positive: maxBodyBytes="
              + maxBodyBytes
              + " maxDimension="
              + maxDimension
              + " maxConcurrentRequests="
              + maxConcurrentRequests
              + " bodyMemoryBytes="
              + bodyMemoryBytes);
    }
  }

  /** These limits with {@link #defaultBodyMemory()} and the default {@link ReadTimeouts}. */
  public Limits(long maxBodyBytes, int maxDimension, int maxConcurrentRequests) {
    this(
        maxBodyBytes,
        maxDimension,
        maxConcurrentRequests,
        defaultBodyMemory(),
        ReadTimeouts.DEFAULTS);
  }

  /** These limits with bodies holding at most {@code bytes} at once. */
  public Limits withBodyMemory(long bytes) {
    return new Limits(maxBodyBytes, maxDimension, maxConcurrentRequests, bytes, timeouts);
  }

  /** These limits with {@code readTimeouts}. */
  public Limits withTimeouts(ReadTimeouts readTimeouts) {
    return new Limits(
        maxBodyBytes, maxDimension, maxConcurrentRequests, bodyMemoryBytes, readTimeouts);
  }

  /**
   * Half of this JVM's max heap: the other half is left to what requests compute from their bodies
   * (a product's C, a module's instances).
   */
  public static long defaultBodyMemory() {
    return Runtime.getRuntime().maxMemory() / 2;
  }
}
