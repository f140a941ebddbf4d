package dev.wasmgrid.llm.jvm;

import dev.wasmgrid.llm.io.ByteSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;

/**
 * A memory-mapped model file, in windows of {@value #WINDOW} bytes (one mapping is limited to 2
 * GiB; {@code MemorySegment} would lift that, but is a preview API at the project's Java 21). The
 * mapping lives as long as this source is reachable: packed weights ({@code PackedMatrix}) are
 * views of it, so their blocks stay in the page cache, shared with the file and never copied to the
 * heap; other tensors are copied straight from the page cache into arrays.
 */
final class MappedByteSource implements ByteSource {
  private static final long WINDOW = 1L << 30;

  private final long size;
  private final MappedByteBuffer[] windows;

  /** Each window's address where the {@link NativeKernels} run, else null. */
  private final long[] addresses;

  private final InterleavedCopies interleaved = new InterleavedCopies();

  MappedByteSource(FileChannel channel) throws IOException {
    this.size = channel.size();
    int n = (int) ((size + WINDOW - 1) / WINDOW);
    windows = new MappedByteBuffer[n];
    for (int i = 0; i < n; i++) {
      long start = i * WINDOW;
      windows[i] =
          channel.map(FileChannel.MapMode.READ_ONLY, start, Math.min(WINDOW, size - start));
    }
    addresses = NativeKernels.available() ? new long[n] : null;
    for (int i = 0; addresses != null && i < n; i++) {
      addresses[i] = NativeKernels.address(windows[i]);
    }
  }

  /**
   * The address of the {@code length} bytes at {@code offset}, valid while this source is
   * reachable; 0 where they straddle two windows or the {@link NativeKernels} do not run.
   */
  long address(long offset, long length) {
    if (addresses == null || offset < 0 || length < 0 || offset + length > size) {
      return 0;
    }
    int w = (int) (offset / WINDOW);
    long within = offset % WINDOW;
    return within + length <= windows[w].capacity() ? addresses[w] + within : 0;
  }

  /** The copies of this file's matrices that the native kernels read instead of the mapping. */
  InterleavedCopies interleaved() {
    return interleaved;
  }

  @Override
  public boolean mapped() {
    return true;
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public void read(long offset, byte[] dst, int dstOff, int len) {
    while (len > 0) {
      ByteBuffer w = windows[(int) (offset / WINDOW)];
      int within = (int) (offset % WINDOW);
      int n = Math.min(len, w.capacity() - within);
      w.get(within, dst, dstOff, n);
      offset += n;
      dstOff += n;
      len -= n;
    }
  }

  @Override
  public void readFloats(long offset, float[] dst, int dstOff, int count) {
    byte[] straddle = new byte[4];
    while (count > 0) {
      ByteBuffer w = windows[(int) (offset / WINDOW)];
      int within = (int) (offset % WINDOW);
      int n = Math.min(count, (w.capacity() - within) / 4);
      if (n == 0) {
        // A float split across two windows.
        read(offset, straddle, 0, 4);
        dst[dstOff] = ByteBuffer.wrap(straddle).order(ByteOrder.LITTLE_ENDIAN).getFloat(0);
        n = 1;
      } else {
        w.slice(within, 4 * n).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(dst, dstOff, n);
      }
      offset += 4L * n;
      dstOff += n;
      count -= n;
    }
  }
}
