package dev.wasmgrid.wasm;

import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.GlobalInstance;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasi.WasiExitException;
import com.dylibso.chicory.wasm.types.MutabilityType;
import dev.wasmgrid.wasm.memory.NativeRegion;
import dev.wasmgrid.wasm.memory.OffHeapMemory;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One instance of a {@link CompiledModule}: its own linear memory and globals. Not thread-safe in
 * the guest's sense (wasm code assumes one thread), so calls are serialised; give each thread its
 * own instance. After a trap, a timeout or an out-of-memory it is {@link #broken()}: every further
 * use fails with {@code broken_instance}, and the caller must close it and create a new one.
 * Closing it frees its linear memory (held off the JVM heap) at once.
 */
public final class WasmInstance implements AutoCloseable {

  private final CompiledModule module;
  private final Instance instance;
  private final OffHeapMemory memory;
  private final GuestOutput output;
  private final GuestRandom random;
  private volatile boolean broken;
  private boolean exited;
  private WasmCallException.Code lastFailure;
  private volatile long observedMemory;
  private boolean closed;

  WasmInstance(
      CompiledModule module,
      Instance instance,
      OffHeapMemory memory,
      GuestOutput output,
      GuestRandom random) {
    this.module = module;
    this.instance = instance;
    this.memory = memory;
    this.output = output;
    this.random = random;
    this.observedMemory = memoryBytes();
  }

  /** The module this is an instance of. */
  public CompiledModule module() {
    return module;
  }

  /**
   * Calls the function export {@code export}. Arguments and results are wasm values as {@code
   * long}s: integers as themselves ({@code i32} arguments must fit in 32 bits, signed or not),
   * floats as raw bits (see {@link WasmValues}). A WASI guest that calls {@code proc_exit} ends the
   * call with no results, its status in {@link #takeOutput()}, and the instance is done: it serves
   * no further call (as a process that exited).
   *
   * @throws WasmCallException {@code missing_export}, {@code wrong_arguments}, {@code trap}, {@code
   *     aborted}, {@code out_of_bounds}, {@code timeout}, {@code memory_limit}, {@code
   *     broken_instance}
   */
  public synchronized long[] call(String export, long... args) {
    usable(export);
    ExportInfo info =
        module
            .export(export)
            .filter(e -> e.kind() == ExportInfo.Kind.FUNCTION)
            .orElseThrow(
                () ->
                    new WasmCallException(
                        WasmCallException.Code.MISSING_EXPORT,
                        "module '%s' has no function export '%s'"
                            .formatted(module.name(), export)));
    checkArguments(info, args);
    ExportFunction function = instance.export(export);
    String what = "call of '%s' in module '%s'".formatted(export, module.name());
    try {
      long[] results =
          module.calls().run(() -> function.apply(args), module.limits().callTimeout(), what);
      observedMemory = memoryBytes();
      return results == null ? new long[0] : results;
    } catch (WasmCallException e) {
      broken = true; // a timeout: the guest stopped somewhere in the middle
      lastFailure = e.code();
      throw e;
    } catch (StackOverflowError e) {
      throw failed(WasmCallException.Code.TRAP, what + " trapped: call stack exhausted", e);
    } catch (OutOfMemoryError e) {
      throw failed(WasmCallException.Code.MEMORY_LIMIT, what + " ran out of JVM heap", e);
    } catch (RuntimeException e) {
      Optional<WasiExitException> exit = cause(e, WasiExitException.class);
      if (exit.isPresent()) {
        exited = true;
        broken = true;
        output.exited(exit.get().exitCode());
        return new long[0];
      }
      Optional<GuestAbort> abort = cause(e, GuestAbort.class);
      if (abort.isPresent()) {
        throw failed(
            WasmCallException.Code.ABORTED, what + " aborted: " + abort.get().getMessage(), e);
      }
      String message = String.valueOf(e.getMessage());
      if (message.toLowerCase(Locale.ROOT).contains("out of bounds memory access")) {
        throw failed(WasmCallException.Code.OUT_OF_BOUNDS, what + " trapped: " + message, e);
      }
      throw failed(WasmCallException.Code.TRAP, what + " trapped: " + message, e);
    }
  }

  /**
   * Copies {@code data} into the guest's memory, in a buffer from the module's allocator ({@link
   * BufferExports}), and returns its address; give it back with {@link #free} after the call.
   *
   * @throws WasmCallException {@code memory_limit} when the allocator returns 0 (its memory could
   *     not grow under the limit: the instance is then broken, to be replaced by a fresh one),
   *     {@code missing_export} when the module has no allocator
   */
  public synchronized int write(byte[] data) {
    Allocator allocator =
        module
            .allocator()
            .orElseThrow(
                () ->
                    new WasmCallException(
                        WasmCallException.Code.MISSING_EXPORT,
                        "module '%s' has no allocator export (%s) to receive buffers"
                            .formatted(
                                module.name(), String.join(", ", BufferExports.ALLOC_NAMES))));
    int ptr = (int) call(allocator.alloc(), allocator.allocArgs(data.length))[0];
    if (ptr == 0 && data.length > 0) {
      throw failed(
          WasmCallException.Code.MEMORY_LIMIT,
          "%s(%d) in module '%s' returned 0: no memory under the limit of %d pages (the instance is replaced)"
              .formatted(allocator.alloc(), data.length, module.name(), module.limits().maxPages()),
          null);
    }
    checkRange(ptr, data.length);
    memory.write(ptr, data);
    return ptr;
  }

  /**
   * Gives the buffer at {@code ptr} of {@code length} bytes (from {@link #write}) back to the
   * module's deallocator; nothing when it has none, or when the instance can no longer be called.
   *
   * @throws WasmCallException as {@link #call}, when the deallocator fails
   */
  public synchronized void free(int ptr, int length) {
    Optional<Allocator> allocator = module.allocator();
    if (ptr == 0 || broken || closed || allocator.isEmpty() || allocator.get().free().isEmpty()) {
      return;
    }
    call(allocator.get().free().get(), allocator.get().freeArgs(ptr, length));
  }

  /** Whether the module has a deallocator, so that {@link #free} gives memory back. */
  public boolean frees() {
    return module.allocator().flatMap(Allocator::free).isPresent();
  }

  /**
   * What the guest wrote to stdout and stderr since the last take, and its {@code proc_exit} status
   * if it exited; empties it.
   */
  public CallOutput takeOutput() {
    return output.take();
  }

  /** Writes {@code values} as little-endian f64s through {@link #write(byte[])}. */
  public synchronized int writeDoubles(double[] values) {
    int ptr = write(new byte[values.length * Double.BYTES]);
    for (int i = 0; i < values.length; i++) {
      memory.writeF64(ptr + i * Double.BYTES, values[i]);
    }
    return ptr;
  }

  /**
   * Reads {@code length} bytes of the guest's memory from {@code ptr}.
   *
   * @throws WasmCallException {@code out_of_bounds} when the range is not inside the memory
   */
  public synchronized byte[] read(int ptr, int length) {
    usable("read");
    checkRange(ptr, (long) length);
    return memory.readBytes(ptr, length);
  }

  /** Reads {@code count} little-endian f64s from {@code ptr}. */
  public synchronized double[] readDoubles(int ptr, int count) {
    usable("readDoubles");
    checkRange(ptr, (long) count * Double.BYTES);
    double[] values = new double[count];
    for (int i = 0; i < count; i++) {
      values[i] = memory.readDouble(ptr + i * Double.BYTES);
    }
    return values;
  }

  /** The size of the linear memory in bytes (0 when the module has none). */
  public synchronized long memoryBytes() {
    return memory == null ? 0 : (long) memory.pages() * Memory.PAGE_SIZE;
  }

  /**
   * The instance's memory and globals, copied (the memory off the heap: close the snapshot to free
   * it). Take it between calls: the guest's state is then consistent.
   */
  public synchronized MemorySnapshot snapshot() {
    usable("snapshot");
    long[] globals = new long[instance.globalCount()];
    for (int i = 0; i < globals.length; i++) {
      globals[i] = instance.global(i).getValue();
    }
    if (memory == null) {
      return new MemorySnapshot(0, null, globals, random.draws());
    }
    ByteBuffer bytes = memory.view();
    NativeRegion copy = NativeRegion.allocate(bytes.remaining());
    copy.bytes().put(0, bytes, 0, bytes.remaining());
    return new MemorySnapshot(memory.pages(), copy, globals, random.draws());
  }

  /**
   * Makes this instance's state {@code snapshot}'s: grows the memory to its size, copies its bytes
   * and sets every mutable global. Meant for a fresh instance of the module the snapshot was taken
   * from; memory never shrinks, so an instance already larger than the snapshot is refused.
   *
   * @throws IllegalArgumentException when the snapshot does not fit this module's instance
   * @throws IllegalStateException when the snapshot was closed
   * @throws WasmCallException {@code memory_limit} when the snapshot's memory exceeds the limit
   */
  public synchronized void restore(MemorySnapshot snapshot) {
    usable("restore");
    if (snapshot.globals().length != instance.globalCount()) {
      throw new IllegalArgumentException(
          "snapshot has %d globals, module '%s' has %d"
              .formatted(snapshot.globals().length, module.name(), instance.globalCount()));
    }
    if (snapshot.pages() > 0) {
      int missing = snapshot.pages() - memory.pages();
      if (missing < 0) {
        throw new IllegalArgumentException(
            "instance of module '%s' has %d pages, more than the snapshot's %d"
                .formatted(module.name(), memory.pages(), snapshot.pages()));
      }
      if (missing > 0 && memory.grow(missing) < 0) {
        throw new WasmCallException(
            WasmCallException.Code.MEMORY_LIMIT,
            "snapshot of module '%s' has %d pages, more than its memory may grow to"
                .formatted(module.name(), snapshot.pages()));
      }
      memory.write(0, snapshot.memory());
      observedMemory = memoryBytes();
    }
    random.replayTo(snapshot.randomDraws());
    for (int i = 0; i < snapshot.globals().length; i++) {
      GlobalInstance global = instance.global(i);
      if (global.getMutabilityType() == MutabilityType.Var) {
        global.setValue(snapshot.globals()[i]);
      }
    }
  }

  /**
   * Lets a trapped instance serve again, for callers that accept its state as the trap left it (the
   * "fail-open" policy). A timed-out instance stays broken: its guest may not have stopped.
   *
   * @return whether the instance is usable again
   */
  public synchronized boolean resume() {
    if (closed || exited || lastFailure == WasmCallException.Code.TIMEOUT) {
      return false;
    }
    broken = false;
    return true;
  }

  /**
   * The memory's size as of the end of the last call (or restore), without waiting for a call in
   * progress: a gauge for deciding when to recycle.
   */
  public long observedMemoryBytes() {
    return observedMemory;
  }

  /** Whether the guest ended itself with {@code proc_exit}: the instance serves no more calls. */
  public boolean exited() {
    return exited;
  }

  /** Whether a trap, timeout, out-of-memory or an exit left the instance unusable. */
  public boolean broken() {
    return broken;
  }

  /**
   * Frees the instance's memory and its slot in {@link ModuleLimits#maxInstances()}; idempotent. A
   * guest still running (a call that timed out) fails at its next memory access.
   */
  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      if (memory != null) {
        memory.close();
      }
      module.released();
    }
  }

  private void usable(String what) {
    if (closed || broken) {
      throw new WasmCallException(
          WasmCallException.Code.BROKEN_INSTANCE,
          "%s: this instance of module '%s' is %s; create a new one"
              .formatted(
                  what,
                  module.name(),
                  closed
                      ? "closed"
                      : exited ? "exited (proc_exit)" : "broken by an earlier failure"));
    }
  }

  private void checkArguments(ExportInfo info, long[] args) {
    List<String> params = info.params();
    if (args.length != params.size()) {
      throw wrongArguments(
          info, "takes %d arguments, got %d".formatted(params.size(), args.length));
    }
    for (int i = 0; i < args.length; i++) {
      String type = params.get(i);
      boolean fits =
          switch (type) {
            case "i32", "f32" -> args[i] >= Integer.MIN_VALUE && args[i] <= 0xffff_ffffL;
            case "i64", "f64" -> true;
            default -> false; // v128 and references cannot be passed as one long
          };
      if (!fits) {
        throw wrongArguments(info, "argument %d (%s) cannot be %d".formatted(i, type, args[i]));
      }
    }
  }

  private WasmCallException wrongArguments(ExportInfo info, String detail) {
    return new WasmCallException(
        WasmCallException.Code.WRONG_ARGUMENTS,
        "export '%s' %s of module '%s' %s"
            .formatted(info.name(), info.signature(), module.name(), detail));
  }

  private void checkRange(int ptr, long length) {
    long size = memoryBytes();
    if (ptr < 0 || length < 0 || Integer.toUnsignedLong(ptr) + length > size) {
      throw new WasmCallException(
          WasmCallException.Code.OUT_OF_BOUNDS,
          "bytes %d..%d are outside the %d-byte memory of module '%s'"
              .formatted(Integer.toUnsignedLong(ptr), ptr + length, size, module.name()));
    }
  }

  private static <T extends Throwable> Optional<T> cause(Throwable e, Class<T> type) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return Optional.of(type.cast(t));
      }
    }
    return Optional.empty();
  }

  private WasmCallException failed(WasmCallException.Code code, String message, Throwable e) {
    broken = true;
    lastFailure = code;
    return new WasmCallException(code, message, e);
  }
}
