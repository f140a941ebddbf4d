package dev.wasmgrid.modules.worker;

import dev.wasmgrid.wasm.CompiledModule;
import dev.wasmgrid.wasm.GuestCall;
import dev.wasmgrid.wasm.WasmCallException;
import dev.wasmgrid.wasm.WasmInstance;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * The instances of one stateless module: each call takes an idle instance (or creates one, up to
 * the module's {@code maxInstances}), and gives it back afterwards unless the call broke it (a trap
 * or a timeout, running out of memory, or a WASI {@code proc_exit}), in which case it is closed and
 * a later call creates a fresh one. Consecutive calls may land on different instances, and an
 * instance keeps its memory between calls.
 */
final class InstancePool implements ModuleCalls {
  private final CompiledModule module;
  // Guarded by this.
  private final Deque<WasmInstance> idle = new ArrayDeque<>();
  private final Set<WasmInstance> live = ConcurrentHashMap.newKeySet();
  private final AtomicInteger inflight = new AtomicInteger();
  // Guarded by this.
  private boolean closed;

  InstancePool(CompiledModule module) {
    this.module = module;
  }

  @Override
  public GuestCall.Outcome call(GuestCall call) {
    // Stateless: no handles, the parameters go as they are.
    return run(instance -> call.run(instance, UnaryOperator.identity()));
  }

  private <T> T run(Function<WasmInstance, T> body) {
    inflight.incrementAndGet();
    try {
      WasmInstance instance = take();
      try {
        return body.apply(instance);
      } finally {
        giveBack(instance);
      }
    } finally {
      inflight.decrementAndGet();
    }
  }

  @Override
  public int inflight() {
    return inflight.get();
  }

  @Override
  public long memoryBytes() {
    return live.stream().mapToLong(WasmInstance::observedMemoryBytes).sum();
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
    WasmInstance fresh = module.instantiate();
    live.add(fresh);
    return fresh;
  }

  private synchronized void giveBack(WasmInstance instance) {
    if (closed || instance.broken()) {
      close(instance);
    } else {
      idle.addFirst(instance);
    }
  }

  private void close(WasmInstance instance) {
    live.remove(instance);
    instance.close();
  }

  /** Closes the idle instances; those in use are closed when their calls end. */
  @Override
  public synchronized void close() {
    closed = true;
    idle.forEach(this::close);
    idle.clear();
  }
}
