package dev.wasmgrid.wasm;

import java.util.Locale;

/**
 * Why loading, instantiating or calling a module failed. {@link #code()} is stable (it will be an
 * HTTP error code); the message names the module and, for a call, the export.
 */
public final class WasmCallException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** The stable failure codes; {@link #id()} is the wire form, e.g. {@code invalid_module}. */
  public enum Code {
    /** The bytes are not a valid module, or import what the host does not provide. */
    INVALID_MODULE,
    /** A valid module using SIMD (v128), which the engine's compiler cannot translate. */
    UNSUPPORTED_SIMD,
    /** The module is larger than {@link ModuleLimits#maxBytes()}. */
    MODULE_TOO_LARGE,
    /** No function export has that name. */
    MISSING_EXPORT,
    /** The arguments do not match the export's parameters in count or type. */
    WRONG_ARGUMENTS,
    /** The guest trapped (unreachable, division by zero, stack exhausted, ...). */
    TRAP,
    /** The call ran past {@link ModuleLimits#callTimeout()} and was interrupted. */
    TIMEOUT,
    /** Memory could not be had under {@link ModuleLimits#maxPages()}. */
    MEMORY_LIMIT,
    /** An access outside the instance's linear memory, by the guest or the host. */
    OUT_OF_BOUNDS,
    /** {@link ModuleLimits#maxInstances()} instances are alive already. */
    TOO_MANY_INSTANCES,
    /** The instance trapped or timed out before, or was closed: it must be replaced. */
    BROKEN_INSTANCE,
    /**
     * A stateful module failed and its policy is fail-closed: it serves no call until redeployed.
     */
    MODULE_FAILED,
    /**
     * A stateful module's call passed, where its policy's {@code handle_params} put a handle, a
     * value its state-building calls never returned since its log began: its state was lost (built
     * afresh, or built on another worker), or the value never was a handle.
     */
    UNKNOWN_HANDLE,
    /** The guest called {@code env.abort}: it refused its input or failed an assertion. */
    ABORTED,
    /** The allocator or deallocator the deployer named is not an export that fits. */
    INVALID_ALLOCATOR;

    /** The code as it goes on the wire: the constant's name in lower case. */
    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final Code code;

  /** A failure with its code and a message naming the module and export. */
  public WasmCallException(Code code, String message) {
    super(message);
    this.code = code;
  }

  /** A failure caused by {@code cause}. */
  public WasmCallException(Code code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  /** Why it failed. */
  public Code code() {
    return code;
  }
}
