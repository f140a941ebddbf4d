package dev.wasmgrid.modules.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.wasm.CallOutput;
import dev.wasmgrid.wasm.CompiledModule;
import dev.wasmgrid.wasm.ExportInfo;
import dev.wasmgrid.wasm.ModuleLimits;
import dev.wasmgrid.wasm.WasmValues;
import dev.wasmgrid.wasm.recycle.RecyclerStats;
import dev.wasmgrid.wasm.recycle.RecyclingProxy;
import java.util.List;
import java.util.Locale;

/**
 * JSON for the module routes: call arguments to wasm values by the export's parameter types,
 * results back by its result types, and the descriptions of modules.
 */
final class WasmJson {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private WasmJson() {}

  static long argument(ExportInfo export, int i, String type, JsonNode arg) {
    if (!arg.isNumber()) {
      throw wrong(export, "argument %d (%s) must be a number, not %s".formatted(i, type, arg));
    }
    return switch (type) {
      case "i32" -> {
        if (!arg.isIntegralNumber()
            || !arg.canConvertToLong()
            || arg.longValue() < Integer.MIN_VALUE
            || arg.longValue() > 0xffff_ffffL) {
          throw wrong(export, "argument %d (i32) cannot be %s".formatted(i, arg));
        }
        yield arg.longValue();
      }
      case "i64" -> {
        if (!arg.isIntegralNumber() || !arg.canConvertToLong()) {
          throw wrong(export, "argument %d (i64) cannot be %s".formatted(i, arg));
        }
        yield arg.longValue();
      }
      case "f32" -> WasmValues.f32(arg.floatValue());
      case "f64" -> WasmValues.f64(arg.doubleValue());
      default ->
          throw wrong(export, "argument %d has type %s, not callable over HTTP".formatted(i, type));
    };
  }

  /**
   * {@code {"results":[...]}} by the export's result types: {@code i32} as a signed number, {@code
   * i64} as a number, floats as numbers ({@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"} as
   * strings).
   */
  static ObjectNode results(ExportInfo export, long[] values) {
    ArrayNode results = JSON.arrayNode();
    List<String> types = export.results();
    for (int i = 0; i < values.length; i++) {
      String type = i < types.size() ? types.get(i) : "i64";
      switch (type) {
        case "i32" -> results.add((int) values[i]);
        case "f32" -> addFloat(results, WasmValues.asF32(values[i]));
        case "f64" -> addFloat(results, WasmValues.asF64(values[i]));
        default -> results.add(values[i]);
      }
    }
    ObjectNode body = JSON.objectNode();
    body.set("results", results);
    return body;
  }

  /**
   * Adds what a WASI guest wrote during the call to an answer: {@code stdout} and {@code stderr}
   * when not empty, {@code output_truncated} when either was cut, {@code exit_code} when it called
   * {@code proc_exit}.
   */
  static void output(ObjectNode body, CallOutput output) {
    if (!output.stdout().isEmpty()) {
      body.put("stdout", output.stdout());
    }
    if (!output.stderr().isEmpty()) {
      body.put("stderr", output.stderr());
    }
    if (output.truncated()) {
      body.put("output_truncated", true);
    }
    output.exitCode().ifPresent(code -> body.put("exit_code", code));
  }

  /**
   * A module's summary, as listed: name, size, hash, export count, live instances, their memory,
   * calls in flight, and a stateful module's generation, swaps, failed prepares and mismatches.
   */
  static ObjectNode summary(DeployedModule deployed) {
    CompiledModule module = deployed.module();
    ObjectNode node = JSON.objectNode();
    node.put("name", module.name());
    node.put("size_bytes", module.sizeBytes());
    node.put("sha256", deployed.sha256());
    node.put("export_count", module.exports().size());
    node.put("live_instances", module.liveInstances());
    // One snapshot of a stateful module's stats for its memory and its recycling fields, so that
    // a swap between two reads cannot pair one instance's memory with the next one's generation.
    RecyclerStats stats = deployed.proxy().map(RecyclingProxy::stats).orElse(null);
    node.put("memory_bytes", stats != null ? stats.memoryBytes() : deployed.calls().memoryBytes());
    node.put("calls_in_flight", deployed.calls().inflight());
    node.put("calls_waiting", deployed.calls().waiting());
    if (stats != null) {
      node.putObject("recycling")
          .put("generation", stats.generation())
          .put("swaps", stats.swaps())
          .put("failed_prepares", stats.failedPrepares())
          .put("replay_mismatches", stats.replayMismatches());
    }
    return node;
  }

  /** A module's description: the summary, its limits and every export with its signature. */
  static ObjectNode description(DeployedModule deployed) {
    ObjectNode node = summary(deployed);
    ArrayNode exports = JSON.arrayNode();
    for (ExportInfo export : deployed.module().exports()) {
      ObjectNode e = exports.addObject();
      e.put("name", export.name());
      e.put("kind", export.kind().name().toLowerCase(Locale.ROOT));
      if (export.kind() == ExportInfo.Kind.FUNCTION) {
        export.params().forEach(e.putArray("params")::add);
        export.results().forEach(e.putArray("results")::add);
      } else if (export.kind() == ExportInfo.Kind.MEMORY) {
        deployed
            .module()
            .memory()
            .ifPresent(
                m -> {
                  e.put("initial_pages", m.initialPages());
                  e.put("maximum_pages", m.maximumPages());
                });
      }
    }
    node.set("exports", exports);
    deployed.module().imports().forEach(node.putArray("imports")::add);
    ObjectNode buffers = node.putObject("buffers");
    deployed
        .module()
        .allocatorExports()
        .ifPresent(
            names -> {
              buffers.put("alloc", names.get(0));
              if (names.size() > 1) {
                buffers.put("free", names.get(1));
              }
            });
    ModuleLimits limits = deployed.module().limits();
    ObjectNode l = node.putObject("limits");
    l.put("max_bytes", limits.maxBytes());
    l.put("max_pages", limits.maxPages());
    l.put("call_timeout_ms", limits.callTimeout().toMillis());
    l.put("max_instances", limits.maxInstances());
    l.put("queue", deployed.queue());
    deployed
        .proxy()
        .ifPresent(
            proxy -> {
              ObjectNode recycling = node.putObject("recycling"); // the summary's, in full
              recycling.set("policy", RecyclingJson.json(proxy.policy()));
              recycling.set("stats", RecyclingJson.stats(proxy.stats()));
            });
    return node;
  }

  private static void addFloat(ArrayNode results, double value) {
    if (Double.isFinite(value)) {
      results.add(value);
    } else {
      results.add(Double.toString(value));
    }
  }

  static Failure wrong(ExportInfo export, String detail) {
    return Failure.invalid(
        "wrong_arguments",
        "args",
        "export '%s' %s %s".formatted(export.name(), export.signature(), detail));
  }
}
