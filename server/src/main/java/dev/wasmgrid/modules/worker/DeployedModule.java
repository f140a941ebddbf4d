package dev.wasmgrid.modules.worker;

import dev.wasmgrid.wasm.CompiledModule;
import dev.wasmgrid.wasm.recycle.RecyclingPolicy;
import dev.wasmgrid.wasm.recycle.RecyclingProxy;
import java.util.Optional;

/**
 * A module deployed on this worker.
 *
 * @param module the compiled module
 * @param sha256 the lower-case hex SHA-256 of its bytes
 * @param recycling its recycling policy when it is stateful; empty for a stateless module
 * @param calls how its calls are served: a recycling proxy when stateful, else an instance pool
 */
record DeployedModule(
    CompiledModule module, String sha256, Optional<RecyclingPolicy> recycling, ModuleCalls calls) {

  /** The recycling proxy of a stateful module. */
  Optional<RecyclingProxy> proxy() {
    return calls instanceof RecycledModule r ? Optional.of(r.proxy()) : Optional.empty();
  }
}
