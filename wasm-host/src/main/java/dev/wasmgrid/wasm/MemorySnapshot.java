package dev.wasmgrid.wasm;

/**
 * An instance's complete guest state: its linear memory and the values of all its globals. A fresh
 * instance of the same module given this state ({@link WasmInstance#restore}) behaves exactly like
 * the instance it was taken from at that moment, because a wasm instance has no other state but
 * what its host imports keep: of those only WASI's random generator matters (captured as its count
 * of draws; stdout and stderr are per call, and no files are open). Immutable; the memory is not
 * copied again when restored.
 */
public final class MemorySnapshot {

  private final int pages;
  private final byte[] memory;
  private final long[] globals;
  private final long randomDraws;

  MemorySnapshot(int pages, byte[] memory, long[] globals, long randomDraws) {
    this.pages = pages;
    this.memory = memory;
    this.globals = globals;
    this.randomDraws = randomDraws;
  }

  /** The memory's size in 64 KiB pages. */
  public int pages() {
    return pages;
  }

  /** The snapshot's size in bytes: what it costs to keep. */
  public long bytes() {
    return memory.length + (long) globals.length * Long.BYTES;
  }

  byte[] memory() {
    return memory;
  }

  long[] globals() {
    return globals;
  }

  /** How far the instance's WASI random bytes had gone: a restore goes on from there. */
  long randomDraws() {
    return randomDraws;
  }
}
