package dev.wasmgrid.modules.worker;

import dev.wasmgrid.wasm.GuestCall;
import dev.wasmgrid.wasm.recycle.RecyclingProxy;
import java.util.Optional;

/** A stateful module's calls, served by its recycling proxy. */
record RecycledModule(RecyclingProxy proxy) implements ModuleCalls {

  @Override
  public GuestCall.Outcome call(GuestCall call) {
    return proxy.call(call);
  }

  @Override
  public Optional<String> stateEpoch() {
    return Optional.of(proxy.epoch());
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
