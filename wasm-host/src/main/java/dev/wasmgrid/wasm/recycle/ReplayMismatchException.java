package dev.wasmgrid.wasm.recycle;

/** A replayed state-building call gave another result than the original (seed 002 #6). */
public final class ReplayMismatchException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  ReplayMismatchException(String message) {
    super(message);
  }
}
