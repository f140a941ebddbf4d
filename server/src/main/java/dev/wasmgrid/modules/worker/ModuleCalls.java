package dev.wasmgrid.modules.worker;

import dev.wasmgrid.wasm.GuestCall;
import java.util.Optional;

/**
 * How a deployed module's calls are served: a pool of stateless instances, or a recycling proxy.
 */
interface ModuleCalls extends AutoCloseable {

  /**
   * Runs {@code call} on one instance: its buffers written, the export called, the output buffers
   * read back and every buffer freed (a stateful module logs a state-building call with its bytes,
   * and refuses and translates handles).
   *
   * @throws dev.wasmgrid.wasm.WasmCallException as the instance's calls
   */
  GuestCall.Outcome call(GuestCall call);

  /** The epoch of the state its calls build ({@link StateStamp}); empty for stateless instances. */
  default Optional<String> stateEpoch() {
    return Optional.empty();
  }

  /** Calls in progress. */
  int inflight();

  /** Calls waiting for an instance (at the module's instance cap); 0 where calls never wait. */
  default int waiting() {
    return 0;
  }

  /** The linear memory of its live instances, in bytes, as of their last calls. */
  long memoryBytes();

  /** Stops serving; calls in flight finish first. */
  @Override
  void close();
}
