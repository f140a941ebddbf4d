package dev.wasmgrid.wasm;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.ExternalType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.function.Function;

/**
 * Loads modules: checks the size, parses and validates the bytes, and compiles them once to JVM
 * bytecode with Chicory's runtime compiler. The result is shared by all of the module's instances.
 */
public final class WasmModules {

  /** Where the modules built from {@code src/main/c} lie on the class path. */
  public static final String BUNDLED_PATH = "/dev/wasmgrid/wasm/modules/";

  private WasmModules() {}

  /**
   * Parses, validates and compiles {@code bytes}.
   *
   * @throws WasmCallException {@code module_too_large} past {@link ModuleLimits#maxBytes()}, {@code
   *     invalid_module} when the bytes are not a module the host can run (it provides no imports)
   */
  public static CompiledModule compile(String name, byte[] bytes, ModuleLimits limits) {
    if (bytes.length > limits.maxBytes()) {
      throw new WasmCallException(
          WasmCallException.Code.MODULE_TOO_LARGE,
          "module '%s' is %d bytes, more than the limit of %d"
              .formatted(name, bytes.length, limits.maxBytes()));
    }
    WasmModule module;
    try {
      module = Parser.parse(bytes);
    } catch (RuntimeException e) {
      throw invalid(name, "is not a valid WebAssembly module: " + e.getMessage(), e);
    }
    for (ExternalType type : ExternalType.values()) {
      int count = module.importSection().count(type);
      if (count > 0) {
        throw invalid(
            name,
            "imports %d %s(s); the host provides no imports"
                .formatted(count, type.name().toLowerCase(java.util.Locale.ROOT)),
            null);
      }
    }
    if (module.memorySection().map(s -> s.memoryCount()).orElse(0) > 1) {
      throw invalid(name, "declares more than one memory", null);
    }
    Function<Instance, Machine> machines;
    try {
      // The factory only accepts instances of this very WasmModule object.
      machines = MachineFactoryCompiler.compile(module);
    } catch (RuntimeException e) {
      throw invalid(name, "could not be compiled: " + e.getMessage(), e);
    }
    return new CompiledModule(name, bytes.length, module, machines, Exports.of(module), limits);
  }

  /** Compiles one of the modules built from this repository's C sources ({@code prover}, ...). */
  public static CompiledModule bundled(String name, ModuleLimits limits) {
    return compile(name, bundledBytes(name), limits);
  }

  /** The committed binary of a module built from this repository's C sources. */
  public static byte[] bundledBytes(String name) {
    try (InputStream in = WasmModules.class.getResourceAsStream(BUNDLED_PATH + name + ".wasm")) {
      if (in == null) {
        throw new IllegalArgumentException("no bundled module '" + name + "'");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static WasmCallException invalid(String name, String what, Throwable cause) {
    return new WasmCallException(
        WasmCallException.Code.INVALID_MODULE, "module '" + name + "' " + what, cause);
  }
}
