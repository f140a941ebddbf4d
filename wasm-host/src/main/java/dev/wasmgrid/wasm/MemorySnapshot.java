package dev.wasmgrid.wasm;

import com.dylibso.chicory.runtime.Memory;
import dev.wasmgrid.wasm.memory.NativeRegion;
import java.nio.ByteBuffer;

/**
 * An instance's complete guest state: its linear memory and the values of all its globals. A fresh
 * instance of the same module given this state ({@link WasmInstance#restore}) behaves exactly like
 * the instance it was taken from at that moment, because a wasm instance has no other state but
 * what its host imports keep: of those only WASI's random generator matters (captured as its count
 * of draws; stdout and stderr are per call, and no files are open). Immutable. The memory's copy
 * lives off the JVM heap, not as a second copy on it: {@link #close()} frees it, after which it can
 * no longer be restored.
 */
public final class MemorySnapshot implements AutoCloseable {

  private final int pages;
  private final NativeRegion memory;
  private final long[] globals;
  private final long randomDraws;

  MemorySnapshot(int pages, NativeRegion memory, long[] globals, long randomDraws) {
    this.pages = pages;
    this.memory = memory;
    this.globals = globals;
    this.randomDraws = randomDraws;
  }

  /** The memory's size in 64 KiB pages. */
  public int pages() {
    return pages;
  }

  /** The memory's size in bytes. */
  public long memoryBytes() {
    return (long) pages * Memory.PAGE_SIZE;
  }

  /** The snapshot's size in bytes: what it costs to keep. */
  public long bytes() {
    return memoryBytes() + (long) globals.length * Long.BYTES;
  }

  /** Frees the copy of the memory; idempotent. */
  @Override
  public void close() {
    if (memory != null) {
      memory.close();
    }
  }

  /** The memory's bytes, read-only (position 0, limit {@link #memoryBytes()}). */
  ByteBuffer memory() {
    if (memory.closed()) {
      throw new IllegalStateException("the snapshot was closed");
    }
    return memory.bytes().asReadOnlyBuffer();
  }

  long[] globals() {
    return globals;
  }

  /** How far the instance's WASI random bytes had gone: a restore goes on from there. */
  long randomDraws() {
    return randomDraws;
  }
}
