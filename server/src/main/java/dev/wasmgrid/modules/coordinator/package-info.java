/**
 * The coordinator's side of WebAssembly modules: it deploys a module (and its settings) on every
 * worker, brings workers that join or come back up to date, merges their views, and places each
 * call on one worker holding the module (docs/api.md, "WebAssembly modules").
 */
package dev.wasmgrid.modules.coordinator;
