package dev.wasmgrid.worker.modules;

import dev.wasmgrid.wasm.recycle.RecyclingProxy;

/** A stateful module's calls, served by its recycling proxy. */
record RecycledModule(RecyclingProxy proxy) implements ModuleCalls {

  @Override
  public long[] call(String export, long[] args) {
    return proxy.call(export, args);
  }

  @Override
  public int inflight() {
    return proxy.stats().inflight();
  }

  @Override
  public long memoryBytes() {
    return proxy.stats().memoryBytes();
  }

  @Override
  public void close() {
    proxy.close();
  }
}
