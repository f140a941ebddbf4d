package dev.wasmgrid.wasm;

/** Thrown by a host function that ends the guest's call: {@code env.abort}. */
final class GuestAbort extends RuntimeException {
  private static final long serialVersionUID = 1L;

  GuestAbort(String message) {
    super(message, null, false, false);
  }
}
