package dev.wasmgrid.modules.worker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.wasm.CallOutput;
import dev.wasmgrid.wasm.CompiledModule;
import dev.wasmgrid.wasm.ExportInfo;
import dev.wasmgrid.wasm.WasmInstance;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * A call's arguments as JSON gives them: numbers for the export's parameters, and byte buffers
 * passed through the module's own allocator ({@code alloc}, {@code malloc} or the one its deployer
 * named) — {@code {"bytes":"<base64>"}} fills two {@code i32} parameters (address, length), {@code
 * {"out":N}} one (the address of N zeroed bytes, read back after the call). The buffers go back to
 * the module's deallocator after the call, whether it succeeded or not.
 */
final class CallArguments {

  /** One JSON argument. */
  private sealed interface Arg permits Scalar, In, Out {}

  private record Scalar(long value) implements Arg {}

  private record In(ByteBuffer bytes) implements Arg {}

  private record Out(int length) implements Arg {}

  /**
   * What a call gave: the export's results, the output buffers in argument order, and what the
   * guest wrote.
   */
  static final class Outcome {
    private final long[] results;
    private final List<byte[]> out;
    private final CallOutput output;

    Outcome(long[] results, List<byte[]> out, CallOutput output) {
      this.results = results;
      this.out = out;
      this.output = output;
    }

    CallOutput output() {
      return output;
    }

    long[] results() {
      return results;
    }

    List<byte[]> out() {
      return out;
    }
  }

  private final ExportInfo export;
  private final List<Arg> args;

  private CallArguments(ExportInfo export, List<Arg> args) {
    this.export = export;
    this.args = args;
  }

  /**
   * Reads {@code json} (an array) against {@code export}'s parameters.
   *
   * @param maxOut the largest output buffer a call may ask for
   * @throws Failure 400 {@code wrong_arguments}, or {@code no_allocator} when buffers are passed to
   *     a module without an allocator
   */
  static CallArguments parse(CompiledModule module, ExportInfo export, JsonNode json, int maxOut) {
    List<String> params = export.params();
    if (!json.isArray()) {
      throw WasmJson.wrong(export, "takes an array of arguments");
    }
    List<Arg> args = new ArrayList<>();
    int p = 0;
    boolean buffers = false;
    for (JsonNode arg : json) {
      if (arg.isObject() && arg.has("bytes")) {
        checkI32(export, params, p, 2, "{\"bytes\":...} (address and length)");
        try {
          args.add(new In(ByteBuffer.wrap(Base64.getDecoder().decode(arg.get("bytes").asText()))));
        } catch (IllegalArgumentException e) {
          throw WasmJson.wrong(
              export, "argument %d: bytes must be base64 (%s)".formatted(p, e.getMessage()));
        }
        p += 2;
        buffers = true;
      } else if (arg.isObject() && arg.has("out")) {
        checkI32(export, params, p, 1, "{\"out\":N} (an address)");
        JsonNode n = arg.get("out");
        if (!n.isIntegralNumber() || n.asLong() < 0 || n.asLong() > maxOut) {
          throw WasmJson.wrong(
              export, "argument %d: out must be a byte count from 0 to %d".formatted(p, maxOut));
        }
        args.add(new Out(n.asInt()));
        p += 1;
        buffers = true;
      } else {
        if (p >= params.size()) {
          throw WasmJson.wrong(export, "takes %d parameters, got more".formatted(params.size()));
        }
        args.add(new Scalar(WasmJson.argument(export, p, params.get(p), arg)));
        p += 1;
      }
    }
    if (p != params.size()) {
      throw WasmJson.wrong(
          export, "takes %d parameters, the arguments fill %d".formatted(params.size(), p));
    }
    if (buffers && module.allocatorExports().isEmpty()) {
      throw Failure.invalid(
          "no_allocator",
          "args",
          ("module '%s' has no allocator export to receive buffers (alloc or malloc, (i32) -> i32;"
                  + " or name its own with ?alloc= when deploying); pass numbers")
              .formatted(module.name()));
    }
    return new CallArguments(export, args);
  }

  /** The arguments as wasm values when they are all numbers (no buffers). */
  Optional<long[]> numbers() {
    if (!args.stream().allMatch(a -> a instanceof Scalar)) {
      return Optional.empty();
    }
    return Optional.of(args.stream().mapToLong(a -> ((Scalar) a).value()).toArray());
  }

  /**
   * Writes the input buffers, calls the export with its parameters passed through {@code params} (a
   * stateful module's handle check and translation), reads the output buffers back, and frees every
   * buffer, all on {@code instance}.
   */
  Outcome call(WasmInstance instance, UnaryOperator<long[]> params) {
    var unused = instance.takeOutput(); // an earlier, failed call's
    List<Long> values = new ArrayList<>();
    List<int[]> outs = new ArrayList<>();
    List<int[]> buffers = new ArrayList<>();
    try {
      for (Arg arg : args) {
        switch (arg) {
          case Scalar s -> values.add(s.value());
          case In in -> {
            int ptr = instance.write(in.bytes().array());
            buffers.add(new int[] {ptr, in.bytes().capacity()});
            values.add(Integer.toUnsignedLong(ptr));
            values.add((long) in.bytes().capacity());
          }
          case Out out -> {
            int ptr = instance.write(new byte[out.length()]);
            buffers.add(new int[] {ptr, out.length()});
            values.add(Integer.toUnsignedLong(ptr));
            outs.add(new int[] {ptr, out.length()});
          }
        }
      }
      long[] results =
          instance.call(
              export.name(), params.apply(values.stream().mapToLong(Long::longValue).toArray()));
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

  private static void checkI32(
      ExportInfo export, List<String> params, int p, int count, String what) {
    for (int i = p; i < p + count; i++) {
      if (i >= params.size() || !params.get(i).equals("i32")) {
        throw WasmJson.wrong(
            export,
            "argument at parameter %d is %s, which needs i32 parameters there".formatted(p, what));
      }
    }
  }
}
