package dev.wasmgrid.worker.modules;

import dev.wasmgrid.http.ApiError;
import dev.wasmgrid.wasm.CompiledModule;
import dev.wasmgrid.wasm.ModuleLimits;
import dev.wasmgrid.wasm.WasmModules;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.regex.Pattern;

/**
 * The modules deployed on a worker, by name, in memory only: a restart forgets them (persistence by
 * content hash is the next step).
 */
public final class ModuleStore implements AutoCloseable {
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");

  private final Map<String, DeployedModule> modules = new ConcurrentSkipListMap<>();

  /** Whether a deployment added a module or replaced one. */
  enum Outcome {
    CREATED,
    REPLACED
  }

  /**
   * Compiles {@code bytes} and deploys them as {@code name}, replacing a module of that name (whose
   * idle instances are closed; calls in flight finish on the old one).
   *
   * @throws ApiError 400 {@code invalid_name}
   * @throws dev.wasmgrid.wasm.WasmCallException {@code invalid_module}, {@code module_too_large}
   */
  Outcome deploy(String name, byte[] bytes, ModuleLimits limits) {
    checkName(name);
    CompiledModule compiled = WasmModules.compile(name, bytes, limits);
    DeployedModule deployed =
        new DeployedModule(compiled, sha256(bytes), new InstancePool(compiled));
    DeployedModule old = modules.put(name, deployed);
    if (old == null) {
      return Outcome.CREATED;
    }
    old.instances().close();
    return Outcome.REPLACED;
  }

  /** The module called {@code name}, if deployed. */
  Optional<DeployedModule> find(String name) {
    return Optional.ofNullable(modules.get(name));
  }

  /** Removes a module; false when there was none of that name. */
  boolean remove(String name) {
    DeployedModule old = modules.remove(name);
    if (old == null) {
      return false;
    }
    old.instances().close();
    return true;
  }

  /** Every deployed module, by name. */
  List<DeployedModule> list() {
    return List.copyOf(modules.values());
  }

  /** Closes every module's idle instances. */
  @Override
  public void close() {
    modules.values().forEach(m -> m.instances().close());
    modules.clear();
  }

  static void checkName(String name) {
    if (!NAME.matcher(name).matches()) {
      throw ApiError.badRequest(
          "invalid_name",
          "name",
          "a module name is 1 to 64 of [a-z0-9_-], starting with a letter or digit: " + name);
    }
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
