/**
 * Hosting of user WebAssembly modules on the JVM with Chicory: {@link
 * dev.wasmgrid.wasm.WasmModules} parses, validates and compiles a module once into a {@link
 * dev.wasmgrid.wasm.CompiledModule}, which hands out {@link dev.wasmgrid.wasm.WasmInstance}s under
 * its {@link dev.wasmgrid.wasm.ModuleLimits}; every failure is a {@link
 * dev.wasmgrid.wasm.WasmCallException} with a stable code.
 */
package dev.wasmgrid.wasm;
