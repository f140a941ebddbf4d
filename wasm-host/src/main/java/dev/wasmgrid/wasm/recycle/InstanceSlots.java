package dev.wasmgrid.wasm.recycle;

import dev.wasmgrid.wasm.CompiledModule;
import dev.wasmgrid.wasm.WasmCallException;
import dev.wasmgrid.wasm.WasmInstance;

/**
 * Makes instances for a proxy within the module's instance limit. Retired instances close only when
 * their last call ends, so right after quick swaps the limit can be reached for a moment: a standby
 * then waits (up to a call timeout) for a retired instance to close instead of failing.
 */
final class InstanceSlots {

  private final CompiledModule module;

  InstanceSlots(CompiledModule module) {
    this.module = module;
  }

  /**
   * A new instance, waiting for a slot when the limit is reached.
   *
   * @throws WasmCallException {@code too_many_instances} when no slot frees up within a call
   *     timeout
   */
  synchronized WasmInstance instantiate() {
    long deadline = System.nanoTime() + module.limits().callTimeout().toNanos();
    while (true) {
      try {
        return module.instantiate();
      } catch (WasmCallException e) {
        long left = deadline - System.nanoTime();
        if (e.code() != WasmCallException.Code.TOO_MANY_INSTANCES || left <= 0) {
          throw e;
        }
        try {
          wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  /** An instance of the proxy's was closed: a waiting standby may have its slot. */
  synchronized void released() {
    notifyAll();
  }
}
