package dev.wasmgrid.llm.jvm;

import com.sun.management.HotSpotDiagnosticMXBean;
import dev.wasmgrid.llm.PackedMatrix;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The copies of a mapped file's Q8_0, Q4_0, Q5_0, Q4_1, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL
 * and IQ4_XS matrices with 16 rows interleaved ({@link NativeKernels#interleave}), which the native
 * kernels read at the memory's speed where the file's own layout leaves them bound by arithmetic.
 * Each is made by {@code Compute.prepare} or else by the matrix's first product, and kept as long
 * as the mapping: as much memory as the matrix takes in the file, off the heap (direct buffers, so
 * within {@code -XX:MaxDirectMemorySize}: copies take at most half of it, what is left being for
 * the products' own buffers and the server's); the mapping's own pages of it are then released from
 * the process (they stay in the page cache), so that its resident memory does not count the matrix
 * twice. A matrix with no copy (another type or CPU, or no memory for it) is read from the mapping,
 * for good: its products never change kernels midway.
 */
final class InterleavedCopies {
  private static final Copy NONE = new Copy(null, 0);

  private final ConcurrentHashMap<PackedMatrix, Copy> copies = new ConcurrentHashMap<>();

  // Set once a copy found no room: the file's other matrices then do not try (each try past the
  // limit would run a garbage collection and wait).
  private volatile boolean exhausted;

  /**
   * The address of {@code p}'s copy, made now if it is the first call for {@code p} (its blocks at
   * {@code blocks} in the mapping); 0 where it has none.
   */
  long address(PackedMatrix p, long blocks) {
    Copy copy = copies.get(p);
    if (copy == null) {
      copy = copies.computeIfAbsent(p, m -> copy(m, blocks));
    }
    return copy.address;
  }

  /** Whether {@code p}'s copy, or the finding that it has none, is made. */
  boolean made(PackedMatrix p) {
    return copies.containsKey(p);
  }

  private Copy copy(PackedMatrix p, long blocks) {
    long bytes = NativeKernels.interleavedBytes(p.type(), p.rows(), p.cols());
    // One direct buffer, of at most 2 GiB with its alignment's slack.
    if (bytes == 0 || bytes > Integer.MAX_VALUE - 128 || exhausted) {
      return NONE;
    }
    ByteBuffer memory = fits(bytes) ? allocated((int) bytes) : null;
    if (memory == null) {
      // Past half the direct-memory limit: the mapping serves, a little slower.
      exhausted = true;
      return NONE;
    }
    long at = NativeKernels.address(memory);
    NativeKernels.interleave(p.type(), blocks, p.rowBytes(), p.rows(), p.cols(), at);
    // Products no longer read these pages; rows are still read from them now and then (a tied
    // classifier's embedding), and fault back in.
    NativeKernels.releaseMapped(blocks, p.bytes());
    return new Copy(memory, at);
  }

  /** {@code bytes} of aligned direct memory, or null where another allocation took the room. */
  private static ByteBuffer allocated(int bytes) {
    try {
      return NativeKernels.aligned(bytes);
    } catch (OutOfMemoryError e) {
      return null;
    }
  }

  /**
   * Whether {@code bytes} more leave the direct buffers of this JVM within half its limit ({@code
   * -XX:MaxDirectMemorySize}, by default the heap's maximum): the products' scratch and the
   * server's buffers need the rest, and a copy is only a speed-up.
   */
  private static boolean fits(long bytes) {
    String set =
        ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
            .getVMOption("MaxDirectMemorySize")
            .getValue();
    long limit = Long.parseLong(set) > 0 ? Long.parseLong(set) : Runtime.getRuntime().maxMemory();
    long used = 0;
    for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
      if (pool.getName().equals("direct")) {
        used = pool.getMemoryUsed();
      }
    }
    return used + bytes <= limit / 2;
  }

  /** A copy's memory (held so that its address stays valid) and address. */
  private record Copy(ByteBuffer memory, long address) {}
}
