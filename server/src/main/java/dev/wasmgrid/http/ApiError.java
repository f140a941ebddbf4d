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

  /** 503: the server had not the memory this request needed; another may fit later. */
  public static ApiError outOfMemory() {
    return new ApiError(
        503,
        "out_of_memory",
        "",
        "not enough memory for this request; retry later or send a smaller one");
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
