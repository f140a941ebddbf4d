package dev.wasmgrid.wasm.memory;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Bytes outside the JVM heap, given back to the operating system when {@link #close() closed}
 * rather than when a garbage collection finds them unreachable: a direct {@link ByteBuffer} over
 * memory from a shared {@code java.lang.foreign.Arena}. Closing the arena frees the memory at once
 * and makes every later access through the buffer (from any thread, a timed-out guest's included)
 * fail with an {@link IllegalStateException} instead of touching freed memory.
 *
 * <p>The project compiles with {@code --release 21}, where {@code java.lang.foreign} is a preview
 * API that javac refuses without {@code --enable-preview} (whose class files no later JVM runs);
 * the API is final since Java 22 and present at run time, so the three calls made here are looked
 * up as method handles instead of being named in the source.
 */
public final class NativeRegion implements AutoCloseable {

  private static final Handles HANDLES = Handles.find();

  private final AutoCloseable arena;
  private final ByteBuffer bytes;
  private final AtomicBoolean closed = new AtomicBoolean();

  private NativeRegion(AutoCloseable arena, ByteBuffer bytes) {
    this.arena = arena;
    this.bytes = bytes;
  }

  /**
   * {@code size} zeroed bytes off the heap.
   *
   * @throws IllegalArgumentException when {@code size} is negative or over {@link
   *     Integer#MAX_VALUE} (one buffer's reach)
   * @throws OutOfMemoryError when the operating system refuses the memory
   */
  public static NativeRegion allocate(long size) {
    if (size < 0 || size > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "a native region holds 0.." + Integer.MAX_VALUE + " bytes, not " + size);
    }
    AutoCloseable arena = HANDLES.openArena();
    try {
      ByteBuffer bytes = HANDLES.allocate(arena, size).order(ByteOrder.LITTLE_ENDIAN);
      return new NativeRegion(arena, bytes);
    } catch (RuntimeException | Error e) {
      HANDLES.close(arena);
      throw e;
    }
  }

  /**
   * The region's bytes, little-endian, position 0 and limit at its size. Callers keep their own
   * position and limit on a {@link ByteBuffer#duplicate() duplicate} when several share it.
   */
  public ByteBuffer bytes() {
    return bytes;
  }

  /** Its size in bytes. */
  public long size() {
    return bytes.capacity();
  }

  /** Whether {@link #close} has run. */
  public boolean closed() {
    return closed.get();
  }

  /** Frees the memory now; idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      HANDLES.close(arena);
    }
  }

  /** {@code Arena.ofShared()}, {@code Arena.allocate(long, long)}, {@code asByteBuffer()}. */
  private record Handles(MethodHandle ofShared, MethodHandle allocate, MethodHandle asByteBuffer) {

    static Handles find() {
      try {
        Class<?> arena = Class.forName("java.lang.foreign.Arena");
        Class<?> segment = Class.forName("java.lang.foreign.MemorySegment");
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        return new Handles(
            lookup
                .findStatic(arena, "ofShared", MethodType.methodType(arena))
                .asType(MethodType.methodType(AutoCloseable.class)),
            lookup
                .findVirtual(
                    arena, "allocate", MethodType.methodType(segment, long.class, long.class))
                .asType(
                    MethodType.methodType(
                        Object.class, AutoCloseable.class, long.class, long.class)),
            lookup
                .findVirtual(segment, "asByteBuffer", MethodType.methodType(ByteBuffer.class))
                .asType(MethodType.methodType(ByteBuffer.class, Object.class)));
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(
            "java.lang.foreign (Java 22+, preview in 21) is needed for off-heap guest memory: "
                + e);
      }
    }

    AutoCloseable openArena() {
      try {
        return (AutoCloseable) ofShared.invokeExact();
      } catch (Throwable e) {
        throw rethrown(e);
      }
    }

    ByteBuffer allocate(AutoCloseable arena, long size) {
      try {
        Object segment = (Object) allocate.invokeExact(arena, size, (long) Long.BYTES);
        return (ByteBuffer) asByteBuffer.invokeExact(segment);
      } catch (Throwable e) {
        throw rethrown(e);
      }
    }

    void close(AutoCloseable arena) {
      try {
        arena.close();
      } catch (Exception e) {
        throw rethrown(e);
      }
    }

    private static RuntimeException rethrown(Throwable e) {
      if (e instanceof RuntimeException r) {
        throw r;
      }
      if (e instanceof Error err) {
        throw err;
      }
      return new IllegalStateException(e);
    }
  }
}
