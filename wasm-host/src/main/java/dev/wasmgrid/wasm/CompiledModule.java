package dev.wasmgrid.wasm;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.function.Function;

/**
 * A parsed, validated and compiled module: thread-safe, shared by all its instances. It hands out
 * at most {@link ModuleLimits#maxInstances()} live {@link WasmInstance}s at a time.
 */
public final class CompiledModule {

  private final String name;
  private final int sizeBytes;
  private final WasmModule module;
  private final Function<Instance, Machine> machines;
  private final List<ExportInfo> exports;
  private final ModuleLimits limits;
  private final Semaphore instances;
  private final CallRunner calls;

  CompiledModule(
      String name,
      int sizeBytes,
      WasmModule module,
      Function<Instance, Machine> machines,
      List<ExportInfo> exports,
      ModuleLimits limits) {
    this.name = name;
    this.sizeBytes = sizeBytes;
    this.module = module;
    this.machines = machines;
    this.exports = exports;
    this.limits = limits;
    this.instances = new Semaphore(limits.maxInstances());
    this.calls = new CallRunner(name);
  }

  /** The name the module was loaded under. */
  public String name() {
    return name;
  }

  /** The size of the module's binary in bytes. */
  public int sizeBytes() {
    return sizeBytes;
  }

  /** The limits its instances run under. */
  public ModuleLimits limits() {
    return limits;
  }

  /** Every export with its signature, in the module's order. */
  public List<ExportInfo> exports() {
    return exports;
  }

  /** The export called {@code exportName}, if there is one. */
  public Optional<ExportInfo> export(String exportName) {
    return exports.stream().filter(e -> e.name().equals(exportName)).findFirst();
  }

  /** The memory the module declares, if it has one. */
  public Optional<MemoryInfo> memory() {
    return module
        .memorySection()
        .filter(s -> s.memoryCount() > 0)
        .map(s -> s.getMemory(0).limits())
        .map(l -> new MemoryInfo(l.initialPages(), l.maximumPages()));
  }

  /** How many instances are alive (created and not yet closed). */
  public int liveInstances() {
    return limits.maxInstances() - instances.availablePermits();
  }

  /**
   * A new instance, with fresh memory; close it when done so that another can be created.
   *
   * @throws WasmCallException {@code too_many_instances} when {@link ModuleLimits#maxInstances()}
   *     are alive, {@code memory_limit} when the module's initial memory exceeds {@link
   *     ModuleLimits#maxPages()}, {@code trap} when its start function (or data segments) fail,
   *     {@code timeout} when the start function runs too long
   */
  public WasmInstance instantiate() {
    if (!instances.tryAcquire()) {
      throw new WasmCallException(
          WasmCallException.Code.TOO_MANY_INSTANCES,
          "module '%s' already has %d live instances, the limit"
              .formatted(name, limits.maxInstances()));
    }
    try {
      Instance.Builder builder = Instance.builder(module).withMachineFactory(machines);
      Optional<MemoryLimits> declared = module.memorySection().map(s -> s.getMemory(0).limits());
      if (declared.isPresent()) {
        int initial = declared.get().initialPages();
        if (initial > limits.maxPages()) {
          throw new WasmCallException(
              WasmCallException.Code.MEMORY_LIMIT,
              "module '%s' starts with %d pages of memory, more than the limit of %d"
                  .formatted(name, initial, limits.maxPages()));
        }
        int max = Math.min(declared.get().maximumPages(), limits.maxPages());
        builder
            .withMemoryFactory(ByteArrayMemory::new)
            .withMemoryLimits(new MemoryLimits(initial, max));
      }
      // Instantiation may run a start function: it gets the same timeout as a call.
      Instance instance =
          calls.run(builder::build, limits.callTimeout(), "module '" + name + "' start");
      return new WasmInstance(this, instance);
    } catch (WasmCallException | Error e) {
      instances.release();
      throw e;
    } catch (RuntimeException e) {
      instances.release();
      throw new WasmCallException(
          WasmCallException.Code.TRAP,
          "module '%s' could not be instantiated: %s".formatted(name, e.getMessage()),
          e);
    }
  }

  /** Runs its instances' calls under the timeout. */
  CallRunner calls() {
    return calls;
  }

  void released() {
    instances.release();
  }
}
