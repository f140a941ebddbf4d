package dev.wasmgrid.http;

import dev.wasmgrid.errors.Failure;

/** The one place a {@link Failure.Kind} becomes an HTTP status, and a status a kind. */
public final class HttpStatuses {
  private HttpStatuses() {}

  /** The status a failure of {@code kind} is answered with. */
  public static int of(Failure.Kind kind) {
    return switch (kind) {
      case INVALID -> 400;
      case UNAUTHENTICATED -> 401;
      case FORBIDDEN -> 403;
      case NOT_FOUND -> 404;
      case WRONG_METHOD -> 405;
      case NOT_ACCEPTABLE -> 406;
      case CLIENT_TOO_SLOW -> 408;
      case CONFLICT -> 409;
      case GONE -> 410;
      case TOO_LARGE -> 413;
      case UNSUPPORTED_MEDIA -> 415;
      case UNPROCESSABLE -> 422;
      case TOO_MANY -> 429;
      case INTERNAL -> 500;
      case WORKER_FAILED -> 502;
      case UNAVAILABLE -> 503;
      case TIMED_OUT -> 504;
    };
  }

  /** The status a failure is answered with. */
  public static int of(Failure failure) {
    return of(failure.kind());
  }

  /**
   * The kind a status of an answer not ours (HTTP itself refused) is closest to: a 4xx without a
   * kind of its own is {@link Failure.Kind#INVALID}, a 5xx {@link Failure.Kind#INTERNAL}.
   */
  public static Failure.Kind kindOf(int status) {
    for (Failure.Kind kind : Failure.Kind.values()) {
      if (of(kind) == status) {
        return kind;
      }
    }
    return status < 500 ? Failure.Kind.INVALID : Failure.Kind.INTERNAL;
  }
}
