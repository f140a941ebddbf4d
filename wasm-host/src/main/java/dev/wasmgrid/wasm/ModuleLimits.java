package dev.wasmgrid.wasm;

import java.time.Duration;
import java.util.Objects;

/**
 * The limits a hosted module runs under; every one is on by default ({@link #defaults()}).
 *
 * @param maxBytes the largest module binary accepted, in bytes (default 16 MiB)
 * @param maxPages the most 64 KiB pages of linear memory an instance may have (default 4096 = 256
 *     MiB); past it the guest's {@code memory.grow} returns -1, as the wasm spec says
 * @param callTimeout how long one call (or an instantiation) may run before it is interrupted
 *     (default 10 s)
 * @param maxInstances how many instances of the module may be alive at once (default 4)
 */
public record ModuleLimits(long maxBytes, int maxPages, Duration callTimeout, int maxInstances) {

  /** Default {@link #maxBytes()}: 16 MiB. */
  public static final long DEFAULT_MAX_BYTES = 16L << 20;

  /** Default {@link #maxPages()}: 4096 pages of 64 KiB, 256 MiB. */
  public static final int DEFAULT_MAX_PAGES = 4096;

  /** Default {@link #callTimeout()}: 10 seconds. */
  public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(10);

  /** Default {@link #maxInstances()}: 4. */
  public static final int DEFAULT_MAX_INSTANCES = 4;

  /** The size of a wasm memory page: 64 KiB. */
  public static final int PAGE_BYTES = 65536;

  /** The most pages a 32-bit wasm memory can have (4 GiB). */
  public static final int WASM32_MAX_PAGES = 65536;

  /** Checks every limit is positive and {@code maxPages} is at most {@link #WASM32_MAX_PAGES}. */
  public ModuleLimits {
    Objects.requireNonNull(callTimeout, "callTimeout");
    if (maxBytes < 1) {
      throw new IllegalArgumentException("maxBytes must be >= 1, got " + maxBytes);
    }
    if (maxPages < 1 || maxPages > WASM32_MAX_PAGES) {
      throw new IllegalArgumentException(
          "maxPages must be in 1.." + WASM32_MAX_PAGES + ", got " + maxPages);
    }
    if (callTimeout.isNegative() || callTimeout.isZero()) {
      throw new IllegalArgumentException("callTimeout must be positive, got " + callTimeout);
    }
    if (maxInstances < 1) {
      throw new IllegalArgumentException("maxInstances must be >= 1, got " + maxInstances);
    }
  }

  /** {@link #maxPages()} in bytes (up to 4 GiB: a {@code long}). */
  public long maxMemoryBytes() {
    return (long) maxPages * PAGE_BYTES;
  }

  /** The documented defaults: 16 MiB module, 4096 pages, 10 s per call, 4 instances. */
  public static ModuleLimits defaults() {
    return new ModuleLimits(
        DEFAULT_MAX_BYTES, DEFAULT_MAX_PAGES, DEFAULT_CALL_TIMEOUT, DEFAULT_MAX_INSTANCES);
  }

  /** These limits with another module size cap. */
  public ModuleLimits withMaxBytes(long bytes) {
    return new ModuleLimits(bytes, maxPages, callTimeout, maxInstances);
  }

  /** These limits with another memory cap, in 64 KiB pages. */
  public ModuleLimits withMaxPages(int pages) {
    return new ModuleLimits(maxBytes, pages, callTimeout, maxInstances);
  }

  /** These limits with another call timeout. */
  public ModuleLimits withCallTimeout(Duration timeout) {
    return new ModuleLimits(maxBytes, maxPages, timeout, maxInstances);
  }

  /** These limits with another cap on live instances. */
  public ModuleLimits withMaxInstances(int instances) {
    return new ModuleLimits(maxBytes, maxPages, callTimeout, instances);
  }
}
