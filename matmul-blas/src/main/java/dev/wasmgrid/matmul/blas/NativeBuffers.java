package dev.wasmgrid.matmul.blas;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.bytedeco.javacpp.Pointer;

/**
 * Native memory for GEMM operands, kept for reuse between calls.
 *
 * <p>Why: fresh native memory costs a page fault per 4 KiB page on first touch, which is expensive
 * in a VM. Passing Java arrays to the {@code cblas_*} array overloads makes JNI allocate and copy
 * every array on each call; at n = 1024, f64, one thread on the development box that ran at 31
 * GFLOP/s against 40 GFLOP/s with reused buffers (41 for the bare kernel on preallocated memory).
 *
 * <p>Memory comes from {@code malloc} and is freed here explicitly, not left to JavaCPP's
 * garbage-collection-driven deallocator: that one counts native memory against the Java heap limit
 * and can throw {@link OutOfMemoryError} on a small heap. Idle buffers are kept up to a byte limit;
 * beyond it the smallest go first, as the least likely to serve the next call.
 */
final class NativeBuffers {

  /** A block of native memory of {@code bytes} bytes. */
  static final class Buffer {
    private final Pointer memory;
    private final long bytes;

    private Buffer(Pointer memory, long bytes) {
      this.memory = memory;
      this.bytes = bytes;
    }

    /** The start of the block (an untyped pointer; wrap it in a typed one to copy into it). */
    Pointer memory() {
      return memory;
    }

    long bytes() {
      return bytes;
    }
  }

  /** Buffers for one call's A, B and C; closing gives them back. */
  final class Operands implements AutoCloseable {
    private final Buffer a;
    private final Buffer b;
    private final Buffer c;

    private Operands(Buffer a, Buffer b, Buffer c) {
      this.a = a;
      this.b = b;
      this.c = c;
    }

    Pointer a() {
      return a.memory();
    }

    Pointer b() {
      return b.memory();
    }

    Pointer c() {
      return c.memory();
    }

    @Override
    public void close() {
      give(a);
      give(b);
      give(c);
    }
  }

  private final long keepBytes;
  private final List<Buffer> idle = new ArrayList<>();
  private long idleBytes;

  /** A pool that keeps at most {@code keepBytes} bytes of idle buffers. */
  NativeBuffers(long keepBytes) {
    this.keepBytes = keepBytes;
  }

  /**
   * Takes buffers of at least the sizes given, in bytes (each at least 1).
   *
   * @throws OutOfMemoryError if native memory cannot be allocated
   */
  Operands operands(long aBytes, long bBytes, long cBytes) {
    Buffer a = take(aBytes);
    Buffer b = null;
    try {
      b = take(bBytes);
      return new Operands(a, b, take(cBytes));
    } catch (RuntimeException | Error e) {
      give(a);
      if (b != null) {
        give(b);
      }
      throw e;
    }
  }

  /** Total bytes held idle (for tests). */
  synchronized long idleBytes() {
    return idleBytes;
  }

  /** The smallest idle buffer of at least {@code bytes}, or a new one. */
  Buffer take(long bytes) {
    synchronized (this) {
      Buffer best = null;
      for (Buffer buffer : idle) {
        if (buffer.bytes >= bytes && (best == null || buffer.bytes < best.bytes)) {
          best = buffer;
        }
      }
      if (best != null) {
        idle.remove(best);
        idleBytes -= best.bytes;
        return best;
      }
    }
    Pointer memory = Pointer.malloc(bytes);
    if (memory == null || memory.isNull()) {
      // Idle buffers may be what is in the way; let them go and try once more.
      freeIdle();
      memory = Pointer.malloc(bytes);
      if (memory == null || memory.isNull()) {
        throw new OutOfMemoryError("cannot allocate " + bytes + " bytes of native memory");
      }
    }
    return new Buffer(memory, bytes);
  }

  /** Returns a buffer taken from this pool. */
  void give(Buffer buffer) {
    if (buffer.bytes > keepBytes) {
      Pointer.free(buffer.memory); // too big to keep: it would push out every other buffer
      return;
    }
    List<Buffer> evicted = new ArrayList<>();
    synchronized (this) {
      idle.add(buffer);
      idleBytes += buffer.bytes;
      idle.sort(Comparator.comparingLong(Buffer::bytes));
      while (idleBytes > keepBytes) {
        Buffer smallest = idle.remove(0);
        idleBytes -= smallest.bytes;
        evicted.add(smallest);
      }
    }
    evicted.forEach(b -> Pointer.free(b.memory));
  }

  private void freeIdle() {
    List<Buffer> all;
    synchronized (this) {
      all = new ArrayList<>(idle);
      idle.clear();
      idleBytes = 0;
    }
    all.forEach(b -> Pointer.free(b.memory));
  }
}
