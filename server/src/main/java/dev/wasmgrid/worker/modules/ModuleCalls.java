package dev.wasmgrid.worker.modules;

/**
 * How a deployed module's calls are served: a pool of stateless instances, or a recycling proxy.
 */
interface ModuleCalls extends AutoCloseable {

  /**
   * Calls {@code export}.
   *
   * @throws dev.wasmgrid.wasm.WasmCallException as the instance's call
   */
  long[] call(String export, long[] args);

  /** Calls in progress. */
  int inflight();

  /** The linear memory of its live instances, in bytes, as of their last calls. */
  long memoryBytes();

  /** Stops serving; calls in flight finish first. */
  @Override
  void close();
}
