package dev.wasmgrid.wasm;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportMemory;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.Import;
import com.dylibso.chicory.wasm.types.MemoryImport;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.ValType;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What the host gives a module to import, and nothing more: WASI preview 1 in a sandbox (no files,
 * no environment, stdin empty, stdout and stderr captured per instance, the system clock, random
 * bytes from a generator seeded per module), AssemblyScript's {@code env.abort}, {@code env.trace}
 * and {@code env.seed}, Emscripten's {@code env.emscripten_notify_memory_growth}, and one memory
 * under any name.
 */
final class HostImports {

  /** The namespace of WASI preview 1. */
  static final String WASI = "wasi_snapshot_preview1";

  private static final String ENV = "env";

  /** Every function provided, by "module.name", with its type; the handles are per instance. */
  private static final Map<String, FunctionType> PROVIDED = catalogue();

  private HostImports() {}

  /**
   * Every import of {@code module} the host does not provide, each as {@code module.name (what)},
   * in the module's order; empty when it can be instantiated.
   */
  static List<String> missing(WasmModule module) {
    List<String> missing = new ArrayList<>();
    int memories = 0;
    for (int i = 0; i < module.importSection().importCount(); i++) {
      Import imp = module.importSection().getImport(i);
      String what = imp.module() + "." + imp.name();
      switch (imp) {
        case FunctionImport f -> {
          FunctionType wanted = module.typeSection().getType(f.typeIndex());
          FunctionType have = PROVIDED.get(what);
          if (have == null) {
            missing.add(what + " (function " + signature(wanted) + ")");
          } else if (!have.typesMatch(wanted)) {
            missing.add(
                what
                    + " (function "
                    + signature(wanted)
                    + "; the host's is "
                    + signature(have)
                    + ")");
          }
        }
        case MemoryImport m -> {
          memories++;
          if (memories > 1 || m.limits().shared()) {
            missing.add(what + " (memory: only one unshared memory can be imported)");
          }
        }
        default ->
            missing.add(
                what + " (" + imp.importType().name().toLowerCase(Locale.ROOT) + ": not provided)");
      }
    }
    return List.copyOf(missing);
  }

  /** The memory {@code module} imports, if it imports one. */
  static Optional<MemoryLimits> importedMemory(WasmModule module) {
    return module.importSection().stream()
        .filter(i -> i instanceof MemoryImport)
        .map(i -> ((MemoryImport) i).limits())
        .findFirst();
  }

  /**
   * The imports of one new instance of {@code module} ({@link #missing} found none): its own WASI
   * writing into {@code output} and drawing from {@code random}, AssemblyScript's seed {@code
   * seed}, and {@code memory} (made for this instance) when it imports one.
   */
  static ImportValues forInstance(
      String name,
      WasmModule module,
      GuestOutput output,
      GuestRandom random,
      long seed,
      Memory memory) {
    WasiPreview1 wasi =
        WasiPreview1.builder()
            .withOptions(
                WasiOptions.builder()
                    .withStdout(output.stdout())
                    .withStderr(output.stderr())
                    .withRandom(random)
                    .withClock(Clock.systemUTC())
                    .withArguments(List.of(name))
                    .build())
            .build();
    Map<String, HostFunction> functions = new HashMap<>();
    for (HostFunction f : wasi.toHostFunctions()) {
      functions.put(f.module() + "." + f.name(), f);
    }
    for (HostFunction f : env(output, seed)) {
      functions.put(f.module() + "." + f.name(), f);
    }
    ImportValues.Builder imports = ImportValues.builder();
    for (int i = 0; i < module.importSection().importCount(); i++) {
      Import imp = module.importSection().getImport(i);
      if (imp instanceof FunctionImport) {
        imports.addFunction(functions.get(imp.module() + "." + imp.name()));
      } else if (imp instanceof MemoryImport) {
        imports.addMemory(new ImportMemory(imp.module(), imp.name(), memory));
      }
    }
    return imports.build();
  }

  /** The {@code env} functions; {@code output} receives {@code trace}, {@code seed} seeds Math. */
  private static List<HostFunction> env(GuestOutput output, long seed) {
    ValType i32 = ValType.I32;
    ValType f64 = ValType.F64;
    return List.of(
        new HostFunction(
            ENV,
            "abort",
            FunctionType.of(List.of(i32, i32, i32, i32), List.of()),
            (instance, args) -> {
              throw new GuestAbort(
                  "%s at %s:%d:%d"
                      .formatted(
                          asString(instance, (int) args[0], "abort"),
                          asString(instance, (int) args[1], "?"),
                          (int) args[2],
                          (int) args[3]));
            }),
        new HostFunction(
            ENV,
            "trace",
            FunctionType.of(List.of(i32, i32, f64, f64, f64, f64, f64), List.of()),
            (instance, args) -> {
              StringBuilder line = new StringBuilder("trace: ");
              line.append(asString(instance, (int) args[0], ""));
              for (int i = 0; i < Math.min(5, Math.max(0, (int) args[1])); i++) {
                line.append(i == 0 ? " " : ", ").append(Double.longBitsToDouble(args[2 + i]));
              }
              output.note(line.append('\n').toString());
              return null;
            }),
        new HostFunction(
            ENV,
            "seed",
            FunctionType.of(List.of(), List.of(f64)),
            (instance, args) -> new long[] {Double.doubleToRawLongBits((double) seed)}),
        new HostFunction(
            ENV,
            "emscripten_notify_memory_growth",
            FunctionType.of(List.of(i32), List.of()),
            (instance, args) -> null));
  }

  /**
   * An AssemblyScript string: UTF-16LE, its byte length in the 4 bytes before it; {@code absent}
   * for a null pointer or one that does not point at a string inside the memory.
   */
  private static String asString(Instance instance, int ptr, String absent) {
    Memory memory = instance.memory();
    long size = memory == null ? 0 : (long) memory.pages() * Memory.PAGE_SIZE;
    long at = Integer.toUnsignedLong(ptr);
    if (ptr == 0 || at < 4 || at > size) {
      return absent;
    }
    long length = Integer.toUnsignedLong(memory.readInt(ptr - 4));
    // Long enough for any message; a wild length is cut to what the memory holds.
    length = Math.min(Math.min(length, 8192), size - at) & ~1L;
    return new String(memory.readBytes(ptr, (int) length), StandardCharsets.UTF_16LE);
  }

  /** Every provided function's type, from a WASI instance that is never used. */
  private static Map<String, FunctionType> catalogue() {
    Map<String, FunctionType> types = new HashMap<>();
    try (WasiPreview1 wasi =
        WasiPreview1.builder().withOptions(WasiOptions.builder().build()).build()) {
      for (HostFunction f : wasi.toHostFunctions()) {
        types.put(f.module() + "." + f.name(), f.functionType());
      }
    }
    for (HostFunction f : env(new GuestOutput(), 0)) {
      types.put(f.module() + "." + f.name(), f.functionType());
    }
    return Map.copyOf(types);
  }

  /** {@code (i32, i32) -> (i64)}. */
  private static String signature(FunctionType type) {
    return "("
        + String.join(", ", type.params().stream().map(Exports::name).toList())
        + ") -> ("
        + String.join(", ", type.returns().stream().map(Exports::name).toList())
        + ")";
  }
}
