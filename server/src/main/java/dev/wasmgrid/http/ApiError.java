package dev.wasmgrid.http;

/**
 * A request that cannot be served, with the HTTP status, a stable machine-readable code, the
 * request field at fault (empty when none) and a message for people. Thrown by decoders and
 * services; the HTTP layer turns it into an error body, so no stack trace ever reaches a client.
 */
public final class ApiError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String code;
  private final String field;

  public ApiError(int status, String code, String field, String message) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.field = field == null ? "" : field;
  }

  /** 400: the request is malformed or its values are invalid. */
  public static ApiError badRequest(String code, String field, String message) {
    return new ApiError(400, code, field, message);
  }

  /** 413: the request is over a configured size limit. */
  public static ApiError tooLarge(String code, String field, String message) {
    return new ApiError(413, code, field, message);
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public String field() {
    return field;
  }
}
