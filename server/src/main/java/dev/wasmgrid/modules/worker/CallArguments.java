package dev.wasmgrid.modules.worker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wasmgrid.errors.Failure;
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
 * passed through the module's own {@code alloc(i32) -> i32} export — {@code {"bytes":"<base64>"}}
 * fills two {@code i32} parameters (address, length), {@code {"out":N}} one (the address of N
 * zeroed bytes, read back after the call).
 */
final class CallArguments {

  /** One JSON argument. */
  private sealed interface Arg permits Scalar, In, Out {}

  private record Scalar(long value) implements Arg {}

  private record In(ByteBuffer bytes) implements Arg {}

  private record Out(int length) implements Arg {}

  /** What a call gave: the export's results and the output buffers, in argument order. */
  static final class Outcome {
    private final long[] results;
    private final List<byte[]> out;

    Outcome(long[] results, List<byte[]> out) {
      this.results = results;
      this.out = out;
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
   *     a module without an {@code alloc(i32) -> i32} export
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
    if (buffers && !hasAllocator(module)) {
      throw Failure.invalid(
          "no_allocator",
          "args",
          "module '%s' has no alloc(i32) -> i32 export to receive buffers; pass numbers"
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
   * stateful module's handle check and translation), and reads the output buffers back, all on
   * {@code instance}.
   */
  Outcome call(WasmInstance instance, UnaryOperator<long[]> params) {
    List<Long> values = new ArrayList<>();
    List<long[]> outs = new ArrayList<>();
    for (Arg arg : args) {
      switch (arg) {
        case Scalar s -> values.add(s.value());
        case In in -> {
          values.add(Integer.toUnsignedLong(instance.write(in.bytes().array())));
          values.add((long) in.bytes().capacity());
        }
        case Out out -> {
          long ptr = Integer.toUnsignedLong(instance.write(new byte[out.length()]));
          values.add(ptr);
          outs.add(new long[] {ptr, out.length()});
        }
      }
    }
    long[] results =
        instance.call(
            export.name(), params.apply(values.stream().mapToLong(Long::longValue).toArray()));
    List<byte[]> read = new ArrayList<>();
    for (long[] out : outs) {
      read.add(instance.read((int) out[0], (int) out[1]));
    }
    return new Outcome(results, read);
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

  private static boolean hasAllocator(CompiledModule module) {
    return module
        .export("alloc")
        .filter(e -> e.kind() == ExportInfo.Kind.FUNCTION)
        .filter(e -> e.params().equals(List.of("i32")) && e.results().equals(List.of("i32")))
        .isPresent();
  }
}
