package dev.wasmgrid.wasm.memory;

import dev.wasmgrid.foreign.Foreign;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Bytes outside the JVM heap, given back to the operating system when {@link #close() closed}
 * rather than when a garbage collection finds them unreachable: a direct {@link ByteBuffer} over an
 * anonymous private mapping ({@code mmap}, Linux), whose lifetime is a shared {@code
 * java.lang.foreign.Arena}. Closing unmaps it at once, after the arena's close has made every later
 * access through the buffer (from any thread, a timed-out guest's included) fail with an {@link
 * IllegalStateException} instead of touching freed memory.
 *
 * <p>Pages take memory when first written, so a region can be reserved at its largest size for
 * nothing. Memory from {@code malloc} (what {@code Arena.allocate} uses) would not do: freed blocks
 * under 32 MiB stay in the C heap's arenas, and a worker kept hundreds of MiB after its instances
 * had closed; nor would a private mapping of a sparse file, whose first write to each page went
 * through the file system (about 0.2 ms a page on this machine's ext4).
 *
 * <p>The foreign API is reached through {@link Foreign} (the project compiles with {@code --release
 * 21}); {@code mmap} is a native call: the JVM should run with {@code
 * --enable-native-access=ALL-UNNAMED}, as the launcher, the image and the tests do.
 */
public final class NativeRegion implements AutoCloseable {

  private static final Mapper MAPPER = Mapper.find();

  private final AutoCloseable arena;
  private final long address;
  private final long size;
  private final ByteBuffer bytes;
  private final AtomicBoolean closed = new AtomicBoolean();

  private NativeRegion(AutoCloseable arena, long address, long size, ByteBuffer bytes) {
    this.arena = arena;
    this.address = address;
    this.size = size;
    this.bytes = bytes;
  }

  /**
   * {@code size} zeroed bytes off the heap, reserved: pages take memory when first written.
   *
   * @throws IllegalArgumentException when {@code size} is negative or over {@link
   *     Integer#MAX_VALUE} (one buffer's reach)
   * @throws OutOfMemoryError when the operating system refuses the mapping
   */
  public static NativeRegion allocate(long size) {
    if (size < 0 || size > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "a native region holds 0.." + Integer.MAX_VALUE + " bytes, not " + size);
    }
    if (size == 0) {
      return new NativeRegion(() -> {}, 0, 0, ByteBuffer.allocateDirect(0));
    }
    long address = MAPPER.map(size);
    AutoCloseable arena = null;
    try {
      arena = MAPPER.openArena();
      ByteBuffer bytes = MAPPER.view(address, size, arena).order(ByteOrder.LITTLE_ENDIAN);
      return new NativeRegion(arena, address, size, bytes);
    } catch (RuntimeException | Error e) {
      if (arena != null) {
        MAPPER.close(arena);
      }
      MAPPER.unmap(address, size);
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
    if (closed.compareAndSet(false, true) && size > 0) {
      MAPPER.close(arena); // waits for accesses in progress; later ones fail
      MAPPER.unmap(address, size);
    }
  }

  /** {@code mmap} and {@code munmap} as downcalls, and the arena calls that bound a view. */
  private record Mapper(
      MethodHandle mmap,
      MethodHandle munmap,
      MethodHandle ofShared,
      MethodHandle ofAddress,
      MethodHandle reinterpret,
      MethodHandle address,
      MethodHandle asByteBuffer,
      Object nullAddress) {

    private static final int PROT_READ_WRITE = 0x1 | 0x2;
    private static final int MAP_PRIVATE_ANONYMOUS_NORESERVE = 0x02 | 0x20 | 0x4000;

    static Mapper find() {
      try {
        Foreign foreign = Foreign.find();
        Class<?> segment = foreign.type("MemorySegment");
        Class<?> arena = foreign.type("Arena");
        Object libc = foreign.systemSymbols();
        Object pointer = foreign.address;
        Object int64 = foreign.int64;
        Object int32 = foreign.int32;
        return new Mapper(
            foreign.function(libc, "mmap", pointer, pointer, int64, int32, int32, int32, int64),
            foreign.function(libc, "munmap", int32, pointer, int64),
            foreign.method(arena, true, "ofShared", arena),
            foreign.method(segment, true, "ofAddress", segment, long.class),
            foreign.method(
                segment,
                false,
                "reinterpret",
                segment,
                long.class,
                arena,
                java.util.function.Consumer.class),
            foreign.method(segment, false, "address", long.class),
            foreign.method(segment, false, "asByteBuffer", ByteBuffer.class),
            segment.getField("NULL").get(null));
      } catch (Throwable e) {
        throw new ExceptionInInitializerError(
            "java.lang.foreign (Java 22+) and mmap are needed for off-heap guest memory: " + e);
      }
    }

    /** Maps {@code size} bytes; their address. */
    long map(long size) {
      try {
        Object segment =
            mmap.invokeWithArguments(
                nullAddress, size, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS_NORESERVE, -1, 0L);
        long at = (long) address.invoke(segment);
        if (at == -1L || at == 0L) {
          throw new OutOfMemoryError("mmap of " + size + " bytes for guest memory failed");
        }
        return at;
      } catch (Throwable e) {
        throw Foreign.rethrown(e);
      }
    }

    void unmap(long at, long size) {
      try {
        Object segment = ofAddress.invoke(at);
        int result = (int) munmap.invokeWithArguments(segment, size);
        if (result != 0) {
          throw new IllegalStateException("munmap of " + size + " bytes failed");
        }
      } catch (Throwable e) {
        throw Foreign.rethrown(e);
      }
    }

    AutoCloseable openArena() {
      try {
        return (AutoCloseable) ofShared.invoke();
      } catch (Throwable e) {
        throw Foreign.rethrown(e);
      }
    }

    /** The {@code size} bytes at {@code at} as a buffer valid until {@code arena} closes. */
    ByteBuffer view(long at, long size, AutoCloseable arena) {
      try {
        Object bounded = reinterpret.invoke(ofAddress.invoke(at), size, arena, null);
        return (ByteBuffer) asByteBuffer.invoke(bounded);
      } catch (Throwable e) {
        throw Foreign.rethrown(e);
      }
    }

    void close(AutoCloseable arena) {
      try {
        arena.close();
      } catch (Exception e) {
        throw Foreign.rethrown(e);
      }
    }
  }
}
