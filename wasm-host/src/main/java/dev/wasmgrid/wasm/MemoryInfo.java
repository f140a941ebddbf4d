package dev.wasmgrid.wasm;

/**
 * The linear memory a module declares, in 64 KiB pages. Instances get at most {@link
 * ModuleLimits#maxPages()} whatever the module declares.
 *
 * @param initialPages the pages an instance starts with
 * @param maximumPages the most the module declares it may grow to (65536 when it declares none)
 */
public record MemoryInfo(int initialPages, int maximumPages) {

  /** {@link #initialPages()} in bytes. */
  public long initialBytes() {
    return (long) initialPages * ModuleLimits.PAGE_BYTES;
  }

  /** {@link #maximumPages()} in bytes (4 GiB for 65536 pages: a {@code long}). */
  public long maximumBytes() {
    return (long) maximumPages * ModuleLimits.PAGE_BYTES;
  }
}
