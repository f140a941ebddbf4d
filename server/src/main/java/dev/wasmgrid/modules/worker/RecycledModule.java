package dev.wasmgrid.modules.worker;

import dev.wasmgrid.wasm.CallOutput;
import dev.wasmgrid.wasm.WasmInstance;
import dev.wasmgrid.wasm.recycle.RecyclingProxy;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/** A stateful module's calls, served by its recycling proxy. */
record RecycledModule(RecyclingProxy proxy) implements ModuleCalls {

  @Override
  public long[] call(String export, long[] args, Consumer<CallOutput> output) {
    return proxy.call(export, output, args);
  }

  @Override
  public <T> T withInstance(
      String export, BiFunction<WasmInstance, UnaryOperator<long[]>, T> body) {
    return proxy.withInstance(export, body);
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
