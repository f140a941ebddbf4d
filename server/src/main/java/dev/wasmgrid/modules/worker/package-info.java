/**
 * The worker's WebAssembly module routes ({@code /v1/modules}, docs/api.md): deploy, list, inspect,
 * delete and call modules hosted by {@code dev.wasmgrid.wasm}. Modules are kept in memory only.
 */
package dev.wasmgrid.modules.worker;
