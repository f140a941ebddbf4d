package dev.wasmgrid.wasm;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * One call of an export with its arguments as a host passes them: numbers for the export's
 * parameters, and byte buffers written through the module's own allocator — {@link In} fills two
 * {@code i32} parameters (address, length), {@link Out} one (the address of that many zeroed bytes,
 * read back after the call). The buffers go back to the module's deallocator after the call,
 * whether it succeeded or not. Immutable, so a recycling proxy can log it and replay it on a fresh
 * instance with the same bytes.
 *
 * @param export the export called
 * @param args the arguments in parameter order
 */
public record GuestCall(String export, List<Arg> args) {

  /** One argument. */
  public sealed interface Arg permits Scalar, In, Out {}

  /** A number for one parameter. */
  public record Scalar(long value) implements Arg {}

  /** Bytes passed in: fills an address and a length parameter. */
  public record In(ByteBuffer bytes) implements Arg {

    /** Bytes that nobody can change afterwards. */
    public In {
      bytes = bytes.asReadOnlyBuffer();
    }

    /** A copy of the bytes. */
    public byte[] array() {
      byte[] copy = new byte[bytes.remaining()];
      bytes.duplicate().get(copy);
      return copy;
    }

    /** How many bytes. */
    public int length() {
      return bytes.remaining();
    }
  }

  /** Room for {@code length} bytes the export writes: fills an address parameter. */
  public record Out(int length) implements Arg {
    /** Checks the length is not negative. */
    public Out {
      if (length < 0) {
        throw new IllegalArgumentException("an output buffer's length must be >= 0: " + length);
      }
    }
  }

  /**
   * What a call gave: the export's results, the output buffers in argument order, and what the
   * guest wrote.
   */
  public static final class Outcome {
    private final long[] results;
    private final List<byte[]> out;
    private final CallOutput output;

    /** An outcome. */
    public Outcome(long[] results, List<byte[]> out, CallOutput output) {
      this.results = results.clone();
      this.out = List.copyOf(out);
      this.output = output;
    }

    /** The export's results. */
    public long[] results() {
      return results.clone();
    }

    /** The output buffers' bytes, in argument order. */
    public List<byte[]> out() {
      return out;
    }

    /** What the guest wrote during the call. */
    public CallOutput output() {
      return output;
    }
  }

  /** Copies the argument list. */
  public GuestCall {
    args = List.copyOf(args);
  }

  /** A call passing only numbers. */
  public static GuestCall of(String export, long... values) {
    List<Arg> args = new ArrayList<>(values.length);
    for (long v : values) {
      args.add(new Scalar(v));
    }
    return new GuestCall(export, args);
  }

  /** Whether some argument is a buffer. */
  public boolean hasBuffers() {
    return args.stream().anyMatch(a -> !(a instanceof Scalar));
  }

  /** The arguments as wasm values when they are all numbers. */
  public Optional<long[]> numbers() {
    if (hasBuffers()) {
      return Optional.empty();
    }
    return Optional.of(args.stream().mapToLong(a -> ((Scalar) a).value()).toArray());
  }

  /** The bytes its input buffers carry, for sizing what a log holds. */
  public long bufferBytes() {
    return args.stream().mapToLong(a -> a instanceof In in ? in.length() : 0).sum();
  }

  /**
   * Writes the input buffers, calls the export with its parameters passed through {@code params}
   * (where a stateful module checks and translates handles), reads the output buffers back, and
   * frees every buffer, all on {@code instance}. What the guest wrote before is dropped.
   *
   * @throws WasmCallException as {@link WasmInstance#call} and {@link WasmInstance#write}
   */
  public Outcome run(WasmInstance instance, UnaryOperator<long[]> params) {
    var unused = instance.takeOutput(); // an earlier, failed call's
    long[] values = new long[args.size() * 2];
    int n = 0;
    List<int[]> outs = new ArrayList<>();
    List<int[]> buffers = new ArrayList<>();
    try {
      for (Arg arg : args) {
        switch (arg) {
          case Scalar s -> values[n++] = s.value();
          case In in -> {
            int ptr = instance.write(in.array());
            buffers.add(new int[] {ptr, in.length()});
            values[n++] = Integer.toUnsignedLong(ptr);
            values[n++] = in.length();
          }
          case Out out -> {
            int ptr = instance.write(new byte[out.length()]);
            buffers.add(new int[] {ptr, out.length()});
            values[n++] = Integer.toUnsignedLong(ptr);
            outs.add(new int[] {ptr, out.length()});
          }
        }
      }
      long[] results = instance.call(export, params.apply(Arrays.copyOf(values, n)));
      List<byte[]> read = new ArrayList<>();
      for (int[] out : outs) {
        read.add(instance.read(out[0], out[1]));
      }
      return new Outcome(results, read, instance.takeOutput());
    } finally {
      // Last in, first out, as a stack allocator needs; free() skips a broken instance.
      for (int i = buffers.size() - 1; i >= 0; i--) {
        instance.free(buffers.get(i)[0], buffers.get(i)[1]);
      }
    }
  }
}
