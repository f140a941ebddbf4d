package dev.wasmgrid.wasm.memory;

import com.dylibso.chicory.runtime.ConstantEvaluators;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.UninstantiableException;
import com.dylibso.chicory.wasm.types.ActiveDataSegment;
import com.dylibso.chicory.wasm.types.DataSegment;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.PassiveDataSegment;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.Function;

/**
 * A guest's linear memory outside the JVM heap, in one {@link NativeRegion} reserved at the
 * memory's maximum size: pages take memory when the guest first writes them, growing only moves the
 * buffer's limit (past which every access traps), and {@link #close()} gives it all back to the
 * operating system at once, so a retired instance's memory leaves the process's resident set
 * without waiting for a garbage collection. Not shared between threads (a wasm {@code shared}
 * memory is not offered): one instance's calls are serialised. Chicory addresses memory with Java
 * {@code int}s, so it holds at most {@link Memory#RUNTIME_MAX_PAGES} pages whatever the module
 * declares.
 */
public final class OffHeapMemory implements Memory, AutoCloseable {

  private final MemoryLimits limits;
  private final int maximumPages;
  private final NativeRegion region;
  private final ByteBuffer bytes;
  private int pages;
  private DataSegment[] dataSegments = new DataSegment[0];

  /** A memory of {@code limits.initialPages()} zeroed pages that may grow to the maximum. */
  public OffHeapMemory(MemoryLimits limits) {
    if (limits.shared()) {
      throw new IllegalArgumentException("shared (threads) memories are not supported");
    }
    this.limits = limits;
    this.maximumPages = Math.min(limits.maximumPages(), RUNTIME_MAX_PAGES);
    this.pages = limits.initialPages();
    this.region = NativeRegion.allocate(byteSize(maximumPages));
    this.bytes = region.bytes().limit(byteSize(pages));
  }

  /**
   * Its {@link #pages()} of bytes as a read-only view, for copying out in bulk; valid until the
   * next grow or close.
   */
  public ByteBuffer view() {
    return bytes.asReadOnlyBuffer().limit(byteSize(pages)).order(bytes.order());
  }

  /**
   * Copies {@code src}'s remaining bytes to {@code addr}, without a copy on the heap.
   *
   * @throws WasmRuntimeException when they do not fit in the memory
   */
  public void write(int addr, ByteBuffer src) {
    int size = src.remaining();
    checkBounds(addr, size, WasmRuntimeException::new);
    bytes.put(addr, src, src.position(), size);
  }

  /** Bytes reserved off the heap (the maximum size); only pages written take memory. */
  public long capacityBytes() {
    return region.size();
  }

  /** Frees the memory; any later access fails. Idempotent. */
  @Override
  public void close() {
    region.close();
  }

  @Override
  public int pages() {
    return pages;
  }

  @Override
  public int grow(int size) {
    int before = pages;
    long after = (long) before + Integer.toUnsignedLong(size);
    if (after > maximumPages) {
      return -1;
    }
    pages = (int) after;
    bytes.limit(byteSize(pages));
    return before;
  }

  @Override
  public int initialPages() {
    return limits.initialPages();
  }

  @Override
  public int maximumPages() {
    return maximumPages;
  }

  @Override
  public boolean shared() {
    return false;
  }

  // Chicory 1.7.5 still declares these four abstract while marking them for removal: implementing
  // them is the only way to implement Memory, hence the one suppression.

  /** A fresh monitor: an unshared memory needs no lock (as Chicory's own memories do). */
  @SuppressWarnings("removal")
  @Override
  public Object lock(int address) {
    return new Object();
  }

  @SuppressWarnings("removal")
  @Override
  public int waitOn(int address, int expected, long timeout) {
    throw new ChicoryException("Attempt to wait on a non-shared memory, not supported.");
  }

  @SuppressWarnings("removal")
  @Override
  public int waitOn(int address, long expected, long timeout) {
    throw new ChicoryException("Attempt to wait on a non-shared memory, not supported.");
  }

  @SuppressWarnings("removal")
  @Override
  public int notify(int address, int maxThreads) {
    return 0;
  }

  @Override
  public void initialize(Instance instance, DataSegment[] segments) {
    initialize(instance, segments, 0);
  }

  @Override
  public void initialize(Instance instance, DataSegment[] segments, int memoryIndex) {
    if (segments == null) {
      return;
    }
    // drop() empties entries: a copy, so that the module's own array stays whole.
    dataSegments = segments.clone();
    for (DataSegment s : segments) {
      if (s instanceof ActiveDataSegment active) {
        if (active.index() != memoryIndex) {
          continue;
        }
        int offset =
            (int) ConstantEvaluators.computeConstantValue(instance, active.offsetInstructions())[0];
        byte[] data = active.data();
        checkBounds(offset, data.length, UninstantiableException::new);
        bytes.put(offset, data, 0, data.length);
      } else if (!(s instanceof PassiveDataSegment)) {
        throw new ChicoryException("Data segment should be active or passive: " + s);
      }
    }
  }

  @Override
  public void initPassiveSegment(int segmentId, int dest, int offset, int size) {
    write(dest, dataSegments[segmentId].data(), offset, size);
  }

  @Override
  public void write(int addr, byte[] data, int offset, int size) {
    if (offset < 0 || size < 0 || (long) offset + size > data.length) {
      throw outOfBounds(offset, size, data.length, WasmRuntimeException::new);
    }
    checkBounds(addr, size, WasmRuntimeException::new);
    bytes.put(addr, data, offset, size);
  }

  @Override
  public byte read(int addr) {
    try {
      return bytes.get(addr);
    } catch (IndexOutOfBoundsException e) {
      throw outOfBounds(addr, 1);
    }
  }

  @Override
  public byte[] readBytes(int addr, int len) {
    checkBounds(addr, len, WasmRuntimeException::new);
    byte[] out = new byte[len];
    bytes.get(addr, out, 0, len);
    return out;
  }

  @Override
  public void writeI32(int addr, int data) {
    try {
      bytes.putInt(addr, data);
    } catch (IndexOutOfBoundsException e) {
      throw outOfBounds(addr, 4);
    }
  }

  @Override
  public int readInt(int addr) {
    try {
      return bytes.getInt(addr);
    } catch (IndexOutOfBoundsException e) {
      throw outOfBounds(addr, 4);
    }
  }

  @Override
  public void writeLong(int addr, long data) {
    try {
      bytes.putLong(addr, data);
    } catch (IndexOutOfBoundsException e) {
      throw outOfBounds(addr, 8);
    }
  }

  @Override
  public long readLong(int addr) {
    try {
      return bytes.getLong(addr);
    } catch (IndexOutOfBoundsException e) {
      throw outOfBounds(addr, 8);
    }
  }

  @Override
  public void writeShort(int addr, short data) {
    try {
      bytes.putShort(addr, data);
    } catch (IndexOutOfBoundsException e) {
      throw outOfBounds(addr, 2);
    }
  }

  @Override
  public short readShort(int addr) {
    try {
      return bytes.getShort(addr);
    } catch (IndexOutOfBoundsException e) {
      throw outOfBounds(addr, 2);
    }
  }

  @Override
  public long readU16(int addr) {
    return readShort(addr) & 0xFFFFL;
  }

  @Override
  public void writeByte(int addr, byte data) {
    try {
      bytes.put(addr, data);
    } catch (IndexOutOfBoundsException e) {
      throw outOfBounds(addr, 1);
    }
  }

  @Override
  public void writeF32(int addr, float data) {
    try {
      bytes.putFloat(addr, data);
    } catch (IndexOutOfBoundsException e) {
      throw outOfBounds(addr, 4);
    }
  }

  @Override
  public long readF32(int addr) {
    return readInt(addr);
  }

  @Override
  public float readFloat(int addr) {
    try {
      return bytes.getFloat(addr);
    } catch (IndexOutOfBoundsException e) {
      throw outOfBounds(addr, 4);
    }
  }

  @Override
  public void writeF64(int addr, double data) {
    try {
      bytes.putDouble(addr, data);
    } catch (IndexOutOfBoundsException e) {
      throw outOfBounds(addr, 8);
    }
  }

  @Override
  public double readDouble(int addr) {
    try {
      return bytes.getDouble(addr);
    } catch (IndexOutOfBoundsException e) {
      throw outOfBounds(addr, 8);
    }
  }

  @Override
  public long readF64(int addr) {
    return readLong(addr);
  }

  @Override
  public void zero() {
    fill((byte) 0, 0, byteSize(pages));
  }

  @Override
  public void fill(byte value, int fromIndex, int toIndex) {
    int size = toIndex - fromIndex;
    checkBounds(fromIndex, size, WasmRuntimeException::new);
    byte[] pattern = new byte[Math.min(size, PAGE_SIZE)];
    Arrays.fill(pattern, value);
    for (int at = fromIndex; at < toIndex; at += pattern.length) {
      bytes.put(at, pattern, 0, Math.min(pattern.length, toIndex - at));
    }
  }

  @Override
  public void copy(int dest, int src, int size) {
    checkBounds(dest, size, WasmRuntimeException::new);
    checkBounds(src, size, WasmRuntimeException::new);
    bytes.put(dest, bytes, src, size); // overlapping ranges copy as through a temporary
  }

  @Override
  public void drop(int segment) {
    dataSegments[segment] = PassiveDataSegment.EMPTY;
  }

  private static int byteSize(int pages) {
    return pages * PAGE_SIZE; // at most RUNTIME_MAX_PAGES pages: fits an int
  }

  private void checkBounds(int addr, int size, Function<String, ChicoryException> failure) {
    if (addr < 0 || size < 0 || (long) addr + size > bytes.limit()) {
      throw outOfBounds(addr, size, bytes.limit(), failure);
    }
  }

  private RuntimeException outOfBounds(int addr, int size) {
    return outOfBounds(addr, size, bytes.limit(), WasmRuntimeException::new);
  }

  private static ChicoryException outOfBounds(
      int addr, int size, int limit, Function<String, ChicoryException> failure) {
    return failure.apply(
        "out of bounds memory access: attempted to access address: %d but limit is: %d and size: %d"
            .formatted(Integer.toUnsignedLong(addr), limit, size));
  }
}
