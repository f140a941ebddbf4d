package dev.wasmgrid.http;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** A transport-independent HTTP answer: what an endpoint computed, before it is written. */
public final class Reply {

  /** The JSON media type. */
  public static final String JSON = "application/json";

  private final int status;
  private final String contentType;
  private final byte[] body;
  private final Map<String, String> headers;

  /** An answer; the body array is taken as is, not copied. */
  public Reply(int status, String contentType, byte[] body) {
    this(status, contentType, body, Map.of());
  }

  private Reply(int status, String contentType, byte[] body, Map<String, String> headers) {
    this.status = status;
    this.contentType = contentType;
    this.body = body;
    this.headers = headers;
  }

  /** A JSON reply. */
  public static Reply json(int status, String json) {
    return new Reply(status, JSON, json.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * This reply with one more header (such as {@code Location} or {@code Retry-After}); a header of
   * the same name is replaced. {@link GridServer} writes them; a relayed worker answer carries
   * none.
   */
  public Reply withHeader(String name, String value) {
    Map<String, String> more = new LinkedHashMap<>(headers);
    more.put(name, value);
    return new Reply(status, contentType, body, Map.copyOf(more));
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

  /** Extra headers, besides Content-Type, by name. */
  public Map<String, String> headers() {
    return headers;
  }

  /** The body as UTF-8 text, for logs and tests. */
  public String text() {
    return new String(body, StandardCharsets.UTF_8);
  }
}
