package dev.wasmgrid.errors;

/**
 * A request that cannot be served: what kind of failure it is, a stable machine-readable code (the
 * API's vocabulary, listed in docs/api.md), the request field at fault (empty when none) and a
 * message for people. Thrown by codecs, schedulers and services, which know nothing of HTTP; the
 * HTTP edge gives each {@link Kind} its status in one place and writes the error body, so no stack
 * trace ever reaches a client.
 */
public final class Failure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What went wrong, in terms a transport maps to its own status. */
  public enum Kind {
    /** The request is malformed or its values are invalid. */
    INVALID,
    /** The request carries no valid credentials. */
    UNAUTHENTICATED,
    /** The request is not allowed from where it comes. */
    FORBIDDEN,
    /** What the request names does not exist. */
    NOT_FOUND,
    /** The route does not take this method. */
    WRONG_METHOD,
    /** No representation the client accepts can be produced. */
    NOT_ACCEPTABLE,
    /** The client was too slow to send its request. */
    CLIENT_TOO_SLOW,
    /** The request conflicts with the current state. */
    CONFLICT,
    /** What the request names existed, and is gone for good. */
    GONE,
    /** The request is over a configured size limit. */
    TOO_LARGE,
    /** The body's media type is not one the route reads. */
    UNSUPPORTED_MEDIA,
    /** The request is well formed, but running it failed (a trap, a replay mismatch). */
    UNPROCESSABLE,
    /** Too many of these are running already; retry later. */
    TOO_MANY,
    /** A fault of this server. */
    INTERNAL,
    /** A worker this request needed failed or refused. */
    WORKER_FAILED,
    /** The server cannot take it now (busy, stopping, no worker); retry later. */
    UNAVAILABLE,
    /** The work took longer than it may. */
    TIMED_OUT
  }

  private final Kind kind;
  private final String code;
  private final String field;

  /** A failure of {@code kind}; {@code field} may be empty or null when no field is at fault. */
  public Failure(Kind kind, String code, String field, String message) {
    super(message, null, false, false);
    this.kind = kind;
    this.code = code;
    this.field = field == null ? "" : field;
  }

  /** The request is malformed or its values are invalid. */
  public static Failure invalid(String code, String field, String message) {
    return new Failure(Kind.INVALID, code, field, message);
  }

  /** The request is over a configured size limit. */
  public static Failure tooLarge(String code, String field, String message) {
    return new Failure(Kind.TOO_LARGE, code, field, message);
  }

  /** The server had not the memory this request needed; another may fit later. */
  public static Failure outOfMemory() {
    return new Failure(
        Kind.UNAVAILABLE,
        "out_of_memory",
        "",
        "not enough memory for this request; retry later or send a smaller one");
  }

  public Kind kind() {
    return kind;
  }

  public String code() {
    return code;
  }

  public String field() {
    return field;
  }
}
