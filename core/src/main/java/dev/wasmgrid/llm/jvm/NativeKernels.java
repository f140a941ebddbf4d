package dev.wasmgrid.llm.jvm;

import dev.wasmgrid.foreign.Foreign;
import dev.wasmgrid.foreign.NativeLibrary;
import dev.wasmgrid.llm.TensorType;
import java.lang.invoke.MethodHandle;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Products in C ({@code core/src/main/c/llm_kernels.c} and {@code llm_f32_kernels.c}, built by
 * {@code core/build-native.sh} into this package's resources), called through the JDK's
 * foreign-function API: the weights are read as the file stores them, straight from its mapping.
 * Quantized ones are multiplied as bytes by activations quantized to 8 bits per 32 — AVX2's
 * byte-by-byte multiply-and-add ({@code vpmaddubsw}, or AVX-512 VNNI's {@code vpdpbusd} where the
 * CPU has it), which the Vector API does not offer; F32 ones by the activations as they are, with
 * loads that never straddle two cache lines (a heap array's rows do, for the Vector API's 512-bit
 * loads). They take F32, Q8_0, Q4_0, Q5_0, Q4_1, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL and
 * IQ4_XS rows on x86-64 Linux with AVX2, FMA and F16C; elsewhere, without the library (a build
 * without gcc), or with {@code -Dwasmgrid.llm.native=off} or {@code WASMGRID_LLM_NATIVE=off}, the
 * Vector API kernels take them instead ({@link #unavailable()} says why). The sampler's
 * exponentials run here too ({@code llm_exp_kernels.c}, {@link #expsSum}), and attention over F16
 * KV caches ({@code llm_attention_kernels.c}, {@link HalfKvStore}).
 *
 * <p>The project compiles with {@code --release 21}, where {@code java.lang.foreign} is a preview
 * API; it is final since Java 22, so it is reached through method handles found once. Every pointer
 * crosses as a {@code long} address, so the downcalls' types name no foreign class.
 */
final class NativeKernels {

  /** Where the build puts the library, under this class's package. */
  static final String RESOURCE = "native/linux-x86_64/libwasmgrid-llm.so";

  private static final Loaded LOADED = Loaded.load();

  private static final Set<TensorType> TYPES =
      LOADED.reason == null
          ? Collections.unmodifiableSet(
              EnumSet.of(
                  TensorType.F32,
                  TensorType.Q8_0,
                  TensorType.Q4_0,
                  TensorType.Q5_0,
                  TensorType.Q4_1,
                  TensorType.Q5_1,
                  TensorType.Q2_K,
                  TensorType.Q3_K,
                  TensorType.Q4_K,
                  TensorType.Q5_K,
                  TensorType.Q6_K,
                  TensorType.IQ4_NL,
                  TensorType.IQ4_XS))
          : Set.of();

  private NativeKernels() {}

  /** Whether the kernels run here. */
  static boolean available() {
    return LOADED.reason == null;
  }

  /** Why the kernels do not run here; empty where they do. */
  static Optional<String> unavailable() {
    return Optional.ofNullable(LOADED.reason);
  }

  /** The types the kernels take here: none where they do not run. */
  static Set<TensorType> types() {
    return TYPES;
  }

  /**
   * The width of the kernels products use here: 512 bits where the CPU has AVX-512 VNNI (unless
   * {@code WASMGRID_LLM_NATIVE=avx2}), else 256; 0 where the kernels do not run.
   */
  static int width() {
    return LOADED.width;
  }

  /** The widths {@link #rows} takes here: none, 256, or 256 and 512. */
  static List<Integer> widths() {
    return switch (LOADED.width) {
      case 0 -> List.of();
      case 256 -> List.of(256);
      default -> List.of(256, 512);
    };
  }

  /** The address of a direct buffer's first byte. */
  static long address(Buffer direct) {
    try {
      return (long) LOADED.address.invoke(LOADED.ofBuffer.invoke(direct));
    } catch (Throwable e) {
      throw Foreign.rethrown(e);
    }
  }

  /**
   * A direct buffer of at least {@code bytes} bytes whose first is 64-byte (cache-line) aligned.
   */
  static ByteBuffer aligned(int bytes) {
    int lines = Math.addExact(bytes, 63) / 64;
    return ByteBuffer.allocateDirect(Math.multiplyExact(lines + 1, 64))
        .alignedSlice(64)
        .order(ByteOrder.nativeOrder());
  }

  /**
   * Quantizes {@code n} vectors of {@code cols} floats at {@code x} to a byte each at {@code q}, a
   * float scale per {@code block} values (32, or 256 for the K-quants; cols a multiple of it) at
   * {@code d}, and each 32 bytes' sum as an int at {@code s}.
   */
  static void quantize(long x, int n, int cols, int block, long q, long d, long s) {
    try {
      LOADED.quantize.invokeExact(x, n, cols, block, q, d, s);
    } catch (Throwable e) {
      throw Foreign.rethrown(e);
    }
  }

  /**
   * Rows [from, to) of a matrix of {@code type} (row r's blocks at {@code w + r·rowBytes}) times
   * {@code n} vectors quantized by {@link #quantize}: {@code out[v·outStride + r]} as floats, by
   * the kernels of {@code width} bits (one of {@link #widths}; 0 for {@link #width()}).
   *
   * @throws OutOfMemoryError where the kernels found no memory for the vectors' inputs
   */
  static void rows(
      TensorType type,
      long w,
      long rowBytes,
      int from,
      int to,
      int cols,
      long xq,
      long xd,
      long xs,
      int n,
      long out,
      long outStride,
      int width) {
    int status;
    try {
      status =
          (int)
              LOADED.rows.invokeExact(
                  type.ggmlId(), w, rowBytes, from, to, cols, xq, xd, xs, n, out, outStride, width);
    } catch (Throwable e) {
      throw Foreign.rethrown(e);
    }
    checked(status, type, n);
  }

  /** A product's status: 0 done, -1 no memory for the vectors' inputs, else a type not taken. */
  private static void checked(int status, TensorType type, int n) {
    memoryFound(status, n, "vectors' inputs");
    if (status != 0) {
      throw new IllegalArgumentException("native kernels do not take " + type);
    }
  }

  /**
   * A kernel's status -1: it found no memory for {@code n} {@code what} (the message made only
   * then: a product or an attention allocates nothing).
   */
  private static void memoryFound(int status, int n, String what) {
    if (status == -1) {
      throw new OutOfMemoryError("native kernels: no memory for " + n + " " + what);
    }
  }

  /**
   * The bytes of {@link #interleave}'s copy of a {@code rows × cols} matrix of {@code type}; 0
   * where it has none (types other than Q8_0, Q4_0, Q5_0, Q4_1, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K,
   * IQ4_NL and IQ4_XS, CPUs without AVX-512 VNNI, {@code WASMGRID_LLM_NATIVE=avx2}, {@code
   * WASMGRID_LLM_INTERLEAVE=off}).
   */
  static long interleavedBytes(TensorType type, int rows, int cols) {
    try {
      return (long) LOADED.interleavedBytes.invokeExact(type.ggmlId(), rows, cols);
    } catch (Throwable e) {
      throw Foreign.rethrown(e);
    }
  }

  /**
   * Copies a matrix of {@code type} (row r's blocks at {@code w + r·rowBytes}) to {@code dst}
   * ({@link #interleavedBytes} of 64-byte aligned memory) with 16 rows interleaved, the layout
   * {@link #rowsInterleaved} reads.
   */
  static void interleave(TensorType type, long w, long rowBytes, int rows, int cols, long dst) {
    try {
      LOADED.interleave.invokeExact(type.ggmlId(), w, rowBytes, rows, cols, dst);
    } catch (Throwable e) {
      throw Foreign.rethrown(e);
    }
  }

  /**
   * Lets the process drop the whole pages of the {@code bytes} at {@code at}, a range of a file's
   * mapping whose interleaved copy is made: they stay in the page cache, and a later read faults
   * them back in. Never for memory that is not a file's mapping (it would read back as zeros).
   */
  static void releaseMapped(long at, long bytes) {
    try {
      LOADED.releaseMapped.invokeExact(at, bytes);
    } catch (Throwable e) {
      throw Foreign.rethrown(e);
    }
  }

  /**
   * {@link #rows} for a copy made by {@link #interleave} at {@code p}: the same products, for Q8_0
   * bit for bit.
   *
   * @throws OutOfMemoryError where the kernels found no memory for the vectors' inputs
   */
  static void rowsInterleaved(
      TensorType type,
      long p,
      int from,
      int to,
      int cols,
      long xq,
      long xd,
      long xs,
      int n,
      long out,
      long outStride) {
    try {
      checked(
          (int)
              LOADED.rowsInterleaved.invokeExact(
                  type.ggmlId(), p, from, to, cols, xq, xd, xs, n, out, outStride),
          type,
          n);
    } catch (Throwable e) {
      throw Foreign.rethrown(e);
    }
  }

  /**
   * Rows [from, to) of an F32 matrix (row r's floats at {@code w + 4·r·rowFloats}, {@code cols} of
   * them) times {@code n} vectors of {@code cols} floats at {@code x}: {@code out[v·outStride +
   * r]}.
   */
  static void rowsF32(
      long w, long rowFloats, int from, int to, int cols, long x, int n, long out, long outStride) {
    try {
      LOADED.rowsF32.invokeExact(w, rowFloats, from, to, cols, x, n, out, outStride);
    } catch (Throwable e) {
      throw Foreign.rethrown(e);
    }
  }

  /**
   * Softmax's numerators and their sum, as llama2.c takes them, for the floats at {@code v}, i in
   * [0, n), n >= 1: max the largest, {@code v[i] = (float) Math.exp(v[i] - max)}, their sum added
   * in order. The values it leaves to Math.exp (about one in ten million, values between −104 and
   * −87, the last few of n) keep theirs, their indices going to the ints at {@code hard} (room for
   * n), in order; the floats at {@code out} get max, then the sum of the values before {@code
   * covered}, then covered as an int: the values before the first group with one left to Math.exp.
   * Returns how many were left, or -1 where a value is NaN (nothing changed then). By the kernels
   * of {@code width} bits (one of {@link #widths}; 0 for {@link #width()}).
   */
  static int expsSum(long v, int n, long hard, long out, int width) {
    try {
      return (int) LOADED.expsSum.invokeExact(v, n, hard, width, out);
    } catch (Throwable e) {
      throw Foreign.rethrown(e);
    }
  }

  /**
   * Rounds a key's and a value's {@code n} floats (at {@code k}, {@code v}) to 16-bit floats at
   * {@code keyAt} and {@code valueAt}, to nearest.
   */
  static void kvStore(long k, long v, long keyAt, long valueAt, int n) {
    try {
      LOADED.kvStore.invokeExact(k, v, keyAt, valueAt, n);
    } catch (Throwable e) {
      throw Foreign.rethrown(e);
    }
  }

  /**
   * Attention of query heads [from, to) of the floats at {@code q} ({@code headSize} a head) over
   * positions [0, n) of one layer's 16-bit keys and values (position p's {@code kvDim} at p·kvDim,
   * query head h reading key-value head h / kvMul): scores scaled by 1/√headSize, their softmax,
   * the values summed by it, into the floats at {@code out} (laid out as q). {@code headSize} a
   * multiple of 8.
   *
   * @throws OutOfMemoryError where the kernel found no memory for the scores
   */
  static void attendF16(
      long keys,
      long values,
      int kvDim,
      int headSize,
      int kvMul,
      int n,
      long q,
      long out,
      int from,
      int to) {
    int status;
    try {
      status =
          (int)
              LOADED.attendF16.invokeExact(
                  keys, values, kvDim, headSize, kvMul, n, q, out, from, to);
    } catch (Throwable e) {
      throw Foreign.rethrown(e);
    }
    memoryFound(status, n, "attention scores");
  }

  /** The downcalls, or why there are none. */
  private record Loaded(
      String reason,
      int width,
      MethodHandle quantize,
      MethodHandle rows,
      MethodHandle rowsF32,
      MethodHandle interleavedBytes,
      MethodHandle interleave,
      MethodHandle rowsInterleaved,
      MethodHandle releaseMapped,
      MethodHandle expsSum,
      MethodHandle kvStore,
      MethodHandle attendF16,
      MethodHandle ofBuffer,
      MethodHandle address) {

    static Loaded load() {
      NativeLibrary library =
          NativeLibrary.load(
              NativeKernels.class, RESOURCE, "wasmgrid.llm.native", "WASMGRID_LLM_NATIVE");
      if (!library.loaded()) {
        return missing(library.reason());
      }
      try {
        return bind(library.foreign(), library.symbols());
      } catch (Throwable e) {
        return missing("could not bind the library: " + e);
      }
    }

    private static Loaded missing(String reason) {
      return new Loaded(
          reason, 0, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    private static Loaded bind(Foreign foreign, Object symbols) throws Throwable {
      Object i32 = foreign.int32;
      Object i64 = foreign.int64;
      if ((int) foreign.function(symbols, "wg_supported", i32).invoke() == 0) {
        return missing("this CPU lacks AVX2, FMA or F16C");
      }
      MethodHandle quantize =
          foreign.function(symbols, "wg_quantize", null, i64, i32, i32, i32, i64, i64, i64);
      MethodHandle rows =
          foreign.function(
              symbols, "wg_rows", i32, i32, i64, i64, i32, i32, i32, i64, i64, i64, i32, i64, i64,
              i32);
      MethodHandle rowsF32 =
          foreign.function(
              symbols, "wg_rows_f32", null, i64, i64, i32, i32, i32, i64, i32, i64, i64);
      MethodHandle interleavedBytes =
          foreign.function(symbols, "wg_interleaved_bytes", i64, i32, i32, i32);
      MethodHandle interleave =
          foreign.function(symbols, "wg_interleave", null, i32, i64, i64, i32, i32, i64);
      MethodHandle rowsInterleaved =
          foreign.function(
              symbols,
              "wg_rows_interleaved",
              i32,
              i32,
              i64,
              i32,
              i32,
              i32,
              i64,
              i64,
              i64,
              i32,
              i64,
              i64);
      MethodHandle releaseMapped = foreign.function(symbols, "wg_release_mapped", null, i64, i64);
      MethodHandle expsSum = foreign.function(symbols, "wg_exps_sum", i32, i64, i32, i64, i32, i64);
      MethodHandle kvStore =
          foreign.function(symbols, "wg_kv_store", null, i64, i64, i64, i64, i32);
      MethodHandle attendF16 =
          foreign.function(
              symbols, "wg_attend_f16", i32, i64, i64, i32, i32, i32, i32, i64, i64, i32, i32);
      Class<?> segment = foreign.type("MemorySegment");
      return new Loaded(
          null,
          (int) foreign.function(symbols, "wg_isa", i32).invoke(),
          quantize,
          rows,
          rowsF32,
          interleavedBytes,
          interleave,
          rowsInterleaved,
          releaseMapped,
          expsSum,
          kvStore,
          attendF16,
          foreign.method(segment, true, "ofBuffer", segment, Buffer.class),
          foreign.method(segment, false, "address", long.class));
    }
  }
}
