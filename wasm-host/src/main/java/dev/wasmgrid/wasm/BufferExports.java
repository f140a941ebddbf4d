package dev.wasmgrid.wasm;

import java.util.List;
import java.util.Optional;

/**
 * The exports a host passes byte buffers through, as the deployer names them; an empty name means
 * the usual one: the first of {@link #ALLOC_NAMES} and of {@link #FREE_NAMES} that the module
 * exports with a fitting signature. An allocator takes {@code (size) -> ptr} or {@code (size,
 * align) -> ptr}; a deallocator {@code (ptr)}, {@code (ptr, size)} or {@code (ptr, size, align)},
 * all {@code i32}.
 *
 * @param alloc the allocator's export name, when the deployer names one
 * @param free the deallocator's export name, when the deployer names one
 */
public record BufferExports(Optional<String> alloc, Optional<String> free) {

  /** Allocators looked for when none is named, in order. */
  public static final List<String> ALLOC_NAMES = List.of("alloc", "malloc");

  /** Deallocators looked for when none is named, in order. */
  public static final List<String> FREE_NAMES = List.of("free", "dealloc");

  /** The usual names. */
  public static final BufferExports USUAL = new BufferExports(Optional.empty(), Optional.empty());
}
