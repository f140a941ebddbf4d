/**
 * Guest linear memory outside the JVM heap: {@link dev.wasmgrid.wasm.memory.OffHeapMemory}
 * implements Chicory's {@code Memory} over a {@link dev.wasmgrid.wasm.memory.NativeRegion}, which
 * closing gives back to the operating system at once, without a garbage collection.
 */
package dev.wasmgrid.wasm.memory;
