package dev.wasmgrid.modules.worker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.wasm.CompiledModule;
import dev.wasmgrid.wasm.ExportInfo;
import dev.wasmgrid.wasm.GuestCall;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A call's arguments as JSON gives them, read into a {@link GuestCall}: numbers for the export's
 * parameters, and byte buffers passed through the module's own allocator ({@code alloc}, {@code
 * malloc} or the one its deployer named) — {@code {"bytes":"<base64>"}} fills two {@code i32}
 * parameters (address, length), {@code {"out":N}} one (the address of N zeroed bytes, read back
 * after the call).
 */
final class CallArguments {

  private CallArguments() {}

  /**
   * Reads {@code json} (an array) against {@code export}'s parameters.
   *
   * @param maxOut the largest output buffer a call may ask for
   * @throws Failure 400 {@code wrong_arguments}, or {@code no_allocator} when buffers are passed to
   *     a module without an allocator
   */
  static GuestCall parse(CompiledModule module, ExportInfo export, JsonNode json, int maxOut) {
    List<String> params = export.params();
    if (!json.isArray()) {
      throw WasmJson.wrong(export, "takes an array of arguments");
    }
    List<GuestCall.Arg> args = new ArrayList<>();
    int p = 0;
    boolean buffers = false;
    for (JsonNode arg : json) {
      if (arg.isObject() && arg.has("bytes")) {
        checkI32(export, params, p, 2, "{\"bytes\":...} (address and length)");
        try {
          args.add(
              new GuestCall.In(
                  ByteBuffer.wrap(Base64.getDecoder().decode(arg.get("bytes").asText()))));
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
        args.add(new GuestCall.Out(n.asInt()));
        p += 1;
        buffers = true;
      } else {
        if (p >= params.size()) {
          throw WasmJson.wrong(export, "takes %d parameters, got more".formatted(params.size()));
        }
        args.add(new GuestCall.Scalar(WasmJson.argument(export, p, params.get(p), arg)));
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
    return new GuestCall(export.name(), args);
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
