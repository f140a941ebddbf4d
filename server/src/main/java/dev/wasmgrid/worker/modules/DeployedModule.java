package dev.wasmgrid.worker.modules;

import dev.wasmgrid.wasm.CompiledModule;

/**
 * A module deployed on this worker.
 *
 * @param module the compiled module
 * @param sha256 the lower-case hex SHA-256 of its bytes
 * @param instances the instances its calls run on
 */
record DeployedModule(CompiledModule module, String sha256, InstancePool instances) {}
