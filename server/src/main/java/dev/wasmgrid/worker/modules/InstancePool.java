package dev.wasmgrid.worker.modules;

import dev.wasmgrid.wasm.CompiledModule;
import dev.wasmgrid.wasm.WasmCallException;
import dev.wasmgrid.wasm.WasmInstance;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The instances of one deployed module: each call takes an idle instance (or creates one, up to the
 * module's {@code maxInstances}), and gives it back afterwards unless the call broke it (a trap or
 * a timeout), in which case it is closed and a later call creates a fresh one. Consecutive calls
 * may land on different instances, and an instance keeps its memory between calls.
 */
final class InstancePool implements AutoCloseable {
  private final CompiledModule module;
  // Guarded by this.
  private final Deque<WasmInstance> idle = new ArrayDeque<>();
  // Guarded by this.
  private boolean closed;

  InstancePool(CompiledModule module) {
    this.module = module;
  }

  /**
   * Calls {@code export} on one of the instances.
   *
   * @throws WasmCallException as {@link WasmInstance#call} and {@link CompiledModule#instantiate}
   */
  long[] call(String export, long[] args) {
    WasmInstance instance = take();
    try {
      return instance.call(export, args);
    } finally {
      giveBack(instance);
    }
  }

  private WasmInstance take() {
    synchronized (this) {
      if (closed) {
        throw new WasmCallException(
            WasmCallException.Code.BROKEN_INSTANCE,
            "module '" + module.name() + "' was deleted or replaced during the call");
      }
      WasmInstance instance = idle.pollFirst();
      if (instance != null) {
        return instance;
      }
    }
    // Outside the lock: instantiation may run a start function for up to the call timeout.
    return module.instantiate();
  }

  private synchronized void giveBack(WasmInstance instance) {
    if (closed || instance.broken()) {
      instance.close();
    } else {
      idle.addFirst(instance);
    }
  }

  /** Closes the idle instances; those in use are closed when their calls end. */
  @Override
  public synchronized void close() {
    closed = true;
    idle.forEach(WasmInstance::close);
    idle.clear();
  }
}
