package dev.wasmgrid.wasm.memory;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;
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
 * <p>The project compiles with {@code --release 21}, where {@code java.lang.foreign} is a preview
 * API that javac refuses without {@code --enable-preview} (whose class files no later JVM runs);
 * the API is final since Java 22 and present at run time, so it is reached through method handles
 * found once, instead of being named in the source. {@code mmap} is a native call: the JVM should
 * run with {@code --enable-native-access=ALL-UNNAMED}, as the launcher, the image and the tests do
 * (without it the JVM only warns).
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
        Class<?> linkerClass = Class.forName("java.lang.foreign.Linker");
        Class<?> lookupClass = Class.forName("java.lang.foreign.SymbolLookup");
        Class<?> segment = Class.forName("java.lang.foreign.MemorySegment");
        Class<?> layout = Class.forName("java.lang.foreign.MemoryLayout");
        Class<?> valueLayout = Class.forName("java.lang.foreign.ValueLayout");
        Class<?> descriptor = Class.forName("java.lang.foreign.FunctionDescriptor");
        Class<?> option = Class.forName("java.lang.foreign.Linker$Option");
        Class<?> arena = Class.forName("java.lang.foreign.Arena");
        // A full-privilege lookup: the restricted methods (downcalls, reinterpret) are
        // caller-sensitive, checked against this class's module for native access.
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        Object linker = lookup.findStatic(linkerClass, "nativeLinker", type(linkerClass)).invoke();
        Object symbols =
            lookup.findVirtual(linkerClass, "defaultLookup", type(lookupClass)).invoke(linker);
        MethodHandle find =
            lookup.findVirtual(lookupClass, "find", type(Optional.class, String.class));
        Object pointer = valueLayout.getField("ADDRESS").get(null);
        Object int64 = valueLayout.getField("JAVA_LONG").get(null);
        Object int32 = valueLayout.getField("JAVA_INT").get(null);
        Object layouts = java.lang.reflect.Array.newInstance(layout, 0);
        MethodHandle of =
            lookup
                .findStatic(descriptor, "of", type(descriptor, layout, layouts.getClass()))
                .asFixedArity();
        MethodHandle downcall =
            lookup
                .findVirtual(
                    linkerClass,
                    "downcallHandle",
                    type(
                        MethodHandle.class,
                        segment,
                        descriptor,
                        Array.newInstance(option, 0).getClass()))
                .asFixedArity();
        Object mmapDescriptor =
            of.invoke(pointer, layoutArray(layout, pointer, int64, int32, int32, int32, int64));
        Object munmapDescriptor = of.invoke(int32, layoutArray(layout, pointer, int64));
        Object noOptions = Array.newInstance(option, 0);
        MethodHandle mmap =
            (MethodHandle)
                downcall.invoke(linker, symbol(find, symbols, "mmap"), mmapDescriptor, noOptions);
        MethodHandle munmap =
            (MethodHandle)
                downcall.invoke(
                    linker, symbol(find, symbols, "munmap"), munmapDescriptor, noOptions);
        Object nullAddress = segment.getField("NULL").get(null);
        return new Mapper(
            mmap,
            munmap,
            lookup.findStatic(arena, "ofShared", type(arena)),
            lookup.findStatic(segment, "ofAddress", type(segment, long.class)),
            lookup.findVirtual(
                segment,
                "reinterpret",
                type(segment, long.class, arena, java.util.function.Consumer.class)),
            lookup.findVirtual(segment, "address", type(long.class)),
            lookup.findVirtual(segment, "asByteBuffer", type(ByteBuffer.class)),
            nullAddress);
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
        throw rethrown(e);
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
        throw rethrown(e);
      }
    }

    AutoCloseable openArena() {
      try {
        return (AutoCloseable) ofShared.invoke();
      } catch (Throwable e) {
        throw rethrown(e);
      }
    }

    /** The {@code size} bytes at {@code at} as a buffer valid until {@code arena} closes. */
    ByteBuffer view(long at, long size, AutoCloseable arena) {
      try {
        Object bounded = reinterpret.invoke(ofAddress.invoke(at), size, arena, null);
        return (ByteBuffer) asByteBuffer.invoke(bounded);
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

    private static Object symbol(MethodHandle find, Object symbols, String name) throws Throwable {
      return ((Optional<?>) find.invoke(symbols, name))
          .orElseThrow(() -> new IllegalStateException("no " + name + " in the C library"));
    }

    private static Object layoutArray(Class<?> layout, Object... layouts) {
      Object array = Array.newInstance(layout, layouts.length);
      for (int i = 0; i < layouts.length; i++) {
        Array.set(array, i, layouts[i]);
      }
      return array;
    }

    private static MethodType type(Class<?> result, Class<?>... params) {
      return MethodType.methodType(result, params);
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
