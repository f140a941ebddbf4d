package dev.wasmgrid.wasm.memory;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Bytes outside the JVM heap, given back to the operating system when {@link #close() closed}
 * rather than when a garbage collection finds them unreachable: a direct {@link ByteBuffer} over a
 * private mapping made through a shared {@code java.lang.foreign.Arena}. Closing the arena unmaps
 * it at once and makes every later access through the buffer (from any thread, a timed-out guest's
 * included) fail with an {@link IllegalStateException} instead of touching freed memory.
 *
 * <p>The mapping is of a sparse temporary file, deleted as soon as it is open, in copy-on-write
 * ({@code PRIVATE}) mode: the file is never written and takes no space, untouched pages cost
 * nothing (so a region can be reserved at its largest size), written ones are the process's own
 * anonymous memory, and unmapping returns them to the system. Memory from {@code malloc} (what
 * {@code Arena.allocate} uses) would not do: freed blocks under 32 MiB stay in the C heap's arenas,
 * and a worker kept hundreds of MiB after its instances had closed.
 *
 * <p>The project compiles with {@code --release 21}, where {@code java.lang.foreign} is a preview
 * API that javac refuses without {@code --enable-preview} (whose class files no later JVM runs);
 * the API is final since Java 22 and present at run time, so the calls made here are looked up as
 * method handles instead of being named in the source.
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
   * {@code size} zeroed bytes off the heap, reserved: pages take memory when first written.
   *
   * @throws IllegalArgumentException when {@code size} is negative or over {@link
   *     Integer#MAX_VALUE} (one buffer's reach)
   * @throws UncheckedIOException when the temporary file cannot be made or mapped
   */
  public static NativeRegion allocate(long size) {
    if (size < 0 || size > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "a native region holds 0.." + Integer.MAX_VALUE + " bytes, not " + size);
    }
    AutoCloseable arena = HANDLES.openArena();
    try {
      ByteBuffer bytes = map(arena, size).order(ByteOrder.LITTLE_ENDIAN);
      return new NativeRegion(arena, bytes);
    } catch (RuntimeException | Error e) {
      HANDLES.close(arena);
      throw e;
    }
  }

  private static ByteBuffer map(AutoCloseable arena, long size) {
    if (size == 0) {
      return ByteBuffer.allocateDirect(0);
    }
    try {
      Path file = Files.createTempFile("wasmgrid-memory-", ".bin");
      try (RandomAccessFile sparse = new RandomAccessFile(file.toFile(), "rw")) {
        Files.delete(file); // open, so the mapping needs no name; nothing is left after a crash
        sparse.setLength(size);
        return HANDLES.map(sparse.getChannel(), size, arena);
      } finally {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot map " + size + " bytes of guest memory", e);
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

  /**
   * {@code Arena.ofShared()}, {@code FileChannel.map(MapMode, long, long, Arena)}, {@code
   * MemorySegment.asByteBuffer()}.
   */
  private record Handles(MethodHandle ofShared, MethodHandle map, MethodHandle asByteBuffer) {

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
                    FileChannel.class,
                    "map",
                    MethodType.methodType(
                        segment, FileChannel.MapMode.class, long.class, long.class, arena))
                .asType(
                    MethodType.methodType(
                        Object.class,
                        FileChannel.class,
                        FileChannel.MapMode.class,
                        long.class,
                        long.class,
                        AutoCloseable.class)),
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

    ByteBuffer map(FileChannel channel, long size, AutoCloseable arena) throws IOException {
      try {
        Object segment =
            (Object) map.invokeExact(channel, FileChannel.MapMode.PRIVATE, 0L, size, arena);
        return (ByteBuffer) asByteBuffer.invokeExact(segment);
      } catch (IOException e) {
        throw e;
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
