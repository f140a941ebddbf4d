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
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Optional;
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
   * {@link #compile(String, byte[], ModuleLimits, BufferExports)} with the usual buffer exports.
   */
  public static CompiledModule compile(String name, byte[] bytes, ModuleLimits limits) {
    return compile(name, bytes, limits, BufferExports.USUAL);
  }

  /**
   * Parses, validates and compiles {@code bytes}. Its imports must all be ones the host provides
   * (WASI preview 1, a few common {@code env} functions, one memory: see docs/api.md).
   *
   * @param buffers the allocator and deallocator exports buffers are passed through
   * @throws WasmCallException {@code module_too_large} past {@link ModuleLimits#maxBytes()}, {@code
   *     invalid_module} when the bytes are not a module the host can run (the message then lists
   *     every import it does not provide), {@code unsupported_simd} when it uses SIMD (the first
   *     use named), {@code invalid_allocator} when {@code buffers} names an export that is missing
   *     or does not fit
   */
  public static CompiledModule compile(
      String name, byte[] bytes, ModuleLimits limits, BufferExports buffers) {
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
    List<String> missing = HostImports.missing(module);
    if (!missing.isEmpty()) {
      throw invalid(
          name,
          "imports %d thing(s) the host does not provide: %s"
              .formatted(missing.size(), String.join(", ", missing)),
          null);
    }
    int memories =
        module.memorySection().map(s -> s.memoryCount()).orElse(0)
            + module.importSection().count(ExternalType.MEMORY);
    if (memories > 1) {
      throw invalid(name, "has more than one memory", null);
    }
    Optional<String> simd = SimdCheck.firstUse(module);
    if (simd.isPresent()) {
      throw new WasmCallException(
          WasmCallException.Code.UNSUPPORTED_SIMD,
          ("module '%s' uses SIMD (%s), which the host's engine cannot run: Chicory's compiler"
                  + " has no v128 instructions; build it without -msimd128 (or run wasm-opt"
                  + " --disable-simd)")
              .formatted(name, simd.get()));
    }
    List<ExportInfo> exports = Exports.of(module);
    Optional<Allocator> allocator = Allocator.resolve(name, exports, buffers);
    Function<Instance, Machine> machines;
    try {
      // The factory only accepts instances of this very WasmModule object.
      machines = MachineFactoryCompiler.compile(module);
    } catch (RuntimeException e) {
      throw invalid(name, "could not be compiled: " + e.getMessage(), e);
    }
    return new CompiledModule(
        name, bytes.length, module, machines, exports, limits, buffers, allocator, seed(bytes));
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

  /**
   * The seed of a module's random bytes: from its bytes, so every instance anywhere draws alike.
   */
  private static long seed(byte[] bytes) {
    try {
      return ByteBuffer.wrap(MessageDigest.getInstance("SHA-256").digest(bytes)).getLong();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  private static WasmCallException invalid(String name, String what, Throwable cause) {
    return new WasmCallException(
        WasmCallException.Code.INVALID_MODULE, "module '" + name + "' " + what, cause);
  }
}
