package dev.wasmgrid.modules.worker;

import dev.wasmgrid.wasm.CallOutput;
import dev.wasmgrid.wasm.WasmInstance;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * How a deployed module's calls are served: a pool of stateless instances, or a recycling proxy.
 */
interface ModuleCalls extends AutoCloseable {

  /**
   * Calls {@code export}, handing what the guest wrote during the call to {@code output}.
   *
   * @throws dev.wasmgrid.wasm.WasmCallException as the instance's call
   */
  long[] call(String export, long[] args, Consumer<CallOutput> output);

  /**
   * Runs {@code body} on one instance as one call of {@code export}: for writing buffers through
   * the module's allocator, calling and reading back, which must all reach the same instance.
   * {@code body} passes the export's parameters through the operator it gets (a stateful module
   * refuses and translates handles there).
   *
   * @throws dev.wasmgrid.wasm.WasmCallException as the instance's calls
   */
  <T> T withInstance(String export, BiFunction<WasmInstance, UnaryOperator<long[]>, T> body);

  /** The epoch of the state its calls build ({@link StateStamp}); empty for stateless instances. */
  default Optional<String> stateEpoch() {
    return Optional.empty();
  }

  /** Calls in progress. */
  int inflight();

  /** The linear memory of its live instances, in bytes, as of their last calls. */
  long memoryBytes();

  /** Stops serving; calls in flight finish first. */
  @Override
  void close();
}
