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
 * @param queue the most calls that wait for an instance when all are busy
 */
record DeployedModule(
    CompiledModule module,
    String sha256,
    Optional<RecyclingPolicy> recycling,
    ModuleCalls calls,
    int queue) {

  /** The limits it was deployed with. */
  DeployLimits limits() {
    return new DeployLimits(module.limits(), queue);
  }

  /** The recycling proxy of a stateful module. */
  Optional<RecyclingProxy> proxy() {
    return calls instanceof RecycledModule r ? Optional.of(r.proxy()) : Optional.empty();
  }
}
