package dev.wasmgrid.matmul;

/**
 * A {@link Gemm} backend cannot be used in this process, for example because its native library did
 * not load. The message says why, in words fit for a start-up log.
 */
public final class GemmUnavailableException extends Exception {

  private static final long serialVersionUID = 1L;

  /** A backend that is unavailable for the reason given. */
  public GemmUnavailableException(String reason) {
    super(reason);
  }

  /** A backend that is unavailable for the reason given, caused by {@code cause}. */
  public GemmUnavailableException(String reason, Throwable cause) {
    super(reason, cause);
  }
}
