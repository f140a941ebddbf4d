package dev.wasmgrid.modules.worker;

import dev.wasmgrid.wasm.CompiledModule;
import dev.wasmgrid.wasm.GuestCall;
import dev.wasmgrid.wasm.WasmCallException;
import dev.wasmgrid.wasm.WasmInstance;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * The instances of one stateless module: each call takes an idle instance (or creates one, up to
 * the module's {@code maxInstances}; at that cap it waits, at most a call timeout, in a queue of
 * {@code queue} calls, and only a call finding the queue full is refused at once), and gives it
 * back afterwards unless the call broke it (a trap or a timeout, running out of memory, or a WASI
 * {@code proc_exit}), in which case it is closed and a later call creates a fresh one. Consecutive
 * calls may land on different instances, and an instance keeps its memory between calls.
 */
final class InstancePool implements ModuleCalls {
  private final CompiledModule module;
  // Guarded by this.
  private final Deque<WasmInstance> idle = new ArrayDeque<>();
  private final Set<WasmInstance> live = ConcurrentHashMap.newKeySet();
  private final AtomicInteger inflight = new AtomicInteger();
  private final int queue;
  // Guarded by this: calls waiting for an instance, and instances being made.
  private int waiting;
  private int making;
  // Guarded by this.
  private boolean closed;

  /**
   * @param queue the most calls that wait for an instance when {@code maxInstances} are busy
   */
  InstancePool(CompiledModule module, int queue) {
    this.module = module;
    this.queue = queue;
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
      long deadline = System.nanoTime() + module.limits().callTimeout().toNanos();
      while (true) {
        if (closed) {
          throw new WasmCallException(
              WasmCallException.Code.BROKEN_INSTANCE,
              "module '" + module.name() + "' was deleted or replaced during the call");
        }
        WasmInstance instance = idle.pollFirst();
        if (instance != null) {
          return instance;
        }
        if (live.size() + making < module.limits().maxInstances()) {
          making++;
          break;
        }
        await(deadline);
      }
    }
    // Outside the lock: instantiation may run a start function for up to the call timeout.
    try {
      WasmInstance fresh = module.instantiate();
      live.add(fresh);
      return fresh;
    } finally {
      synchronized (this) {
        making--;
        notifyAll();
      }
    }
  }

  /**
   * Waits, in the queue, for an instance to be given back or closed.
   *
   * @throws WasmCallException {@code too_many_instances} when the queue is full, or the wait
   *     reached {@code deadline}
   */
  private void await(long deadline) {
    int cap = module.limits().maxInstances();
    if (waiting >= queue) {
      throw new WasmCallException(
          WasmCallException.Code.TOO_MANY_INSTANCES,
          ("module '%s' has its %d instances busy and %d calls waiting for one (its queue is full):"
                  + " try again later")
              .formatted(module.name(), cap, waiting));
    }
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      throw new WasmCallException(
          WasmCallException.Code.TOO_MANY_INSTANCES,
          "module '%s' had its %d instances busy for a whole call timeout (%d ms): try again later"
              .formatted(module.name(), cap, module.limits().callTimeout().toMillis()));
    }
    waiting++;
    try {
      TimeUnit.NANOSECONDS.timedWait(this, left);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new WasmCallException(
          WasmCallException.Code.BROKEN_INSTANCE,
          "interrupted while waiting for an instance of module '" + module.name() + "'");
    } finally {
      waiting--;
    }
  }

  /** Calls waiting for an instance. */
  @Override
  public synchronized int waiting() {
    return waiting;
  }

  private synchronized void giveBack(WasmInstance instance) {
    if (closed || instance.broken()) {
      close(instance);
    } else {
      idle.addFirst(instance);
    }
    notifyAll();
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
    notifyAll();
  }
}
