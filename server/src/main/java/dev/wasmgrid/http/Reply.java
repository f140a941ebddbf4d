package dev.wasmgrid.http;

import java.nio.charset.StandardCharsets;

/** A transport-independent HTTP answer: what an endpoint computed, before it is written. */
public final class Reply {

  /** The JSON media type. */
  public static final String JSON = "application/json";

  private final int status;
  private final String contentType;
  private final byte[] body;

  /** An answer; the body array is taken as is, not copied. */
  public Reply(int status, String contentType, byte[] body) {
    this.status = status;
    this.contentType = contentType;
    this.body = body;
  }

  /** A JSON reply. */
  public static Reply json(int status, String json) {
    return new Reply(status, JSON, json.getBytes(StandardCharsets.UTF_8));
  }

  public int status() {
    return status;
  }

  public String contentType() {
    return contentType;
  }

  /** The body bytes (shared, not copied). */
  public byte[] body() {
    return body;
  }

  /** The body as UTF-8 text, for logs and tests. */
  public String text() {
    return new String(body, StandardCharsets.UTF_8);
  }
}
