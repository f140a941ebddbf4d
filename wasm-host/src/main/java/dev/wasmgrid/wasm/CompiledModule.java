package dev.wasmgrid.wasm;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.wasmgrid.wasm.memory.OffHeapMemory;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.function.Function;

/**
 * A parsed, validated and compiled module: thread-safe, shared by all its instances. It hands out
 * at most {@link ModuleLimits#maxInstances()} live {@link WasmInstance}s at a time.
 */
public final class CompiledModule {

  /** The export a WASI reactor needs called once before any other: its constructors. */
  private static final String INITIALIZE = "_initialize";

  private final String name;
  private final long sizeBytes;
  private final WasmModule module;
  private final Function<Instance, Machine> machines;
  private final List<ExportInfo> exports;
  private final ModuleLimits limits;
  private final Semaphore instances;
  private final CallRunner calls;
  private final BufferExports buffers;
  private final Optional<Allocator> allocator;
  private final long seed;

  CompiledModule(
      String name,
      long sizeBytes,
      WasmModule module,
      Function<Instance, Machine> machines,
      List<ExportInfo> exports,
      ModuleLimits limits,
      BufferExports buffers,
      Optional<Allocator> allocator,
      long seed) {
    this.buffers = buffers;
    this.allocator = allocator;
    this.seed = seed;
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
  public long sizeBytes() {
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

  /** The memory the module declares or imports, if it has one. */
  public Optional<MemoryInfo> memory() {
    return memoryLimits().map(l -> new MemoryInfo(l.initialPages(), l.maximumPages()));
  }

  /** Whether its memory is imported (the host makes one for each instance). */
  public boolean importsMemory() {
    return HostImports.importedMemory(module).isPresent();
  }

  /** Whether it imports WASI preview 1, so that its calls may write to stdout and stderr. */
  public boolean importsWasi() {
    return module.importSection().stream().anyMatch(i -> i.module().equals(HostImports.WASI));
  }

  /** Every import, as {@code module.name}, in the module's order. */
  public List<String> imports() {
    return module.importSection().stream().map(i -> i.module() + "." + i.name()).toList();
  }

  /** The buffer exports as the deployer named them. */
  public BufferExports bufferExports() {
    return buffers;
  }

  /** The names of the allocator and deallocator buffers go through, when it has an allocator. */
  public Optional<List<String>> allocatorExports() {
    return allocator.map(a -> a.free().map(f -> List.of(a.alloc(), f)).orElse(List.of(a.alloc())));
  }

  private Optional<MemoryLimits> memoryLimits() {
    return module
        .memorySection()
        .filter(s -> s.memoryCount() > 0)
        .map(s -> s.getMemory(0).limits())
        .or(() -> HostImports.importedMemory(module));
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
    OffHeapMemory memory = null;
    try {
      GuestOutput output = new GuestOutput();
      GuestRandom random = new GuestRandom(seed);
      Optional<MemoryLimits> declared = memoryLimits();
      if (declared.isPresent()) {
        int initial = declared.get().initialPages();
        if (initial > limits.maxPages()) {
          throw new WasmCallException(
              WasmCallException.Code.MEMORY_LIMIT,
              "module '%s' starts with %d pages of memory, more than the limit of %d"
                  .formatted(name, initial, limits.maxPages()));
        }
        // Off the heap, freed when the instance closes: a retired instance's memory leaves the
        // process at once instead of waiting for a garbage collection.
        memory =
            new OffHeapMemory(
                new MemoryLimits(
                    initial, Math.min(declared.get().maximumPages(), limits.maxPages())));
      }
      OffHeapMemory own = memory;
      Instance.Builder builder =
          Instance.builder(module)
              .withMachineFactory(machines)
              .withImportValues(
                  HostImports.forInstance(name, module, output, random, seed, memory));
      if (memory != null && !importsMemory()) {
        builder.withMemoryFactory(declaredLimits -> own);
      }
      // Instantiation may run a start function, and a WASI reactor's _initialize (its
      // constructors) must run before any other export: both get the same timeout as a call.
      Instance instance =
          calls.run(
              () -> {
                Instance built = builder.build();
                if (export(INITIALIZE).filter(CompiledModule::takesNothing).isPresent()) {
                  built.export(INITIALIZE).apply();
                }
                return built;
              },
              limits.callTimeout(),
              "module '" + name + "' start");
      return new WasmInstance(this, instance, memory, output, random);
    } catch (WasmCallException | Error e) {
      failedInstance(memory);
      throw e;
    } catch (RuntimeException e) {
      failedInstance(memory);
      throw new WasmCallException(
          WasmCallException.Code.TRAP,
          "module '%s' could not be instantiated: %s".formatted(name, e.getMessage()),
          e);
    }
  }

  private void failedInstance(OffHeapMemory memory) {
    if (memory != null) {
      memory.close();
    }
    instances.release();
  }

  /** Its allocator, when it has one. */
  Optional<Allocator> allocator() {
    return allocator;
  }

  private static boolean takesNothing(ExportInfo e) {
    return e.kind() == ExportInfo.Kind.FUNCTION && e.params().isEmpty() && e.results().isEmpty();
  }

  /** Runs its instances' calls under the timeout. */
  CallRunner calls() {
    return calls;
  }

  void released() {
    instances.release();
  }
}
