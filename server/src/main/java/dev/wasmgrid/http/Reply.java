package dev.wasmgrid.http;

import dev.wasmgrid.errors.Failure;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A transport-independent HTTP answer: what an endpoint computed, before it is written. Its body is
 * bytes in memory, or written to the connection as it is sent ({@link #streamed}).
 */
public final class Reply {

  /** The JSON media type. */
  public static final String JSON = "application/json";

  /** The media type of server-sent events. */
  public static final String EVENT_STREAM = "text/event-stream";

  /** Writes a body, a piece at a time. */
  public interface BodyWriter {
    /** Writes the whole body to {@code out}. */
    void writeTo(OutputStream out) throws IOException;
  }

  /**
   * Writes server-sent events until it is done or {@link EventStream#send} says the reader left.
   */
  public interface EventWriter {
    /** Writes every event to {@code events}. */
    void writeTo(EventStream events);
  }

  private final int status;
  private final String contentType;
  private final byte[] body; // null when streamed
  private final long length;
  private final BodyWriter writer; // null when in memory
  private final Map<String, String> headers;

  /** An answer; the body array is taken as is, not copied. */
  public Reply(int status, String contentType, byte[] body) {
    this(status, contentType, body, body.length, null, Map.of());
  }

  private Reply(
      int status,
      String contentType,
      byte[] body,
      long length,
      BodyWriter writer,
      Map<String, String> headers) {
    this.status = status;
    this.contentType = contentType;
    this.body = body;
    this.length = length;
    this.writer = writer;
    this.headers = headers;
  }

  /**
   * A 200 answer of {@code length} bytes that {@code writer} produces as it is sent: a large answer
   * (a worker's tile of C) then never sits in memory as bytes. {@link #body()} renders it when an
   * in-process caller needs the bytes.
   */
  public static Reply streamed(String contentType, long length, BodyWriter writer) {
    return new Reply(200, contentType, null, length, writer, Map.of());
  }

  /**
   * A 200 stream of server-sent events, of no declared length, each event flushed as it is written.
   * The writer runs when the answer is sent (after the route returned), so whatever it needs, such
   * as a model's turn, is its to release.
   */
  public static Reply events(EventWriter writer) {
    BodyWriter body =
        out -> {
          try (EventStream events = new EventStream(out)) {
            writer.writeTo(events);
          }
        };
    return new Reply(200, EVENT_STREAM, null, -1, body, Map.of("Cache-Control", "no-cache"));
  }

  /** A JSON reply. */
  public static Reply json(int status, String json) {
    return new Reply(status, JSON, json.getBytes(StandardCharsets.UTF_8));
  }

  /** 200 with a JSON body. */
  public static Reply ok(String json) {
    return json(200, json);
  }

  /** 200 with a body of {@code contentType}, taken as is. */
  public static Reply ok(String contentType, byte[] body) {
    return new Reply(200, contentType, body);
  }

  /** 201 with a JSON body: the request made something new. */
  public static Reply created(String json) {
    return json(201, json);
  }

  /** 201 with a body of {@code contentType}, taken as is. */
  public static Reply created(String contentType, byte[] body) {
    return new Reply(201, contentType, body);
  }

  /** 202 with a JSON body: the request was taken, and goes on after the answer. */
  public static Reply accepted(String json) {
    return json(202, json);
  }

  /** 204, no body. */
  public static Reply noContent() {
    return new Reply(204, JSON, new byte[0]);
  }

  /** A JSON body answering a failure of {@code kind}, in a shape of the route's own. */
  public static Reply failed(Failure.Kind kind, String json) {
    return json(HttpStatuses.of(kind), json);
  }

  /** A body of {@code contentType} answering a failure of {@code kind} (a relayed refusal). */
  public static Reply failed(Failure.Kind kind, String contentType, byte[] body) {
    return new Reply(HttpStatuses.of(kind), contentType, body);
  }

  /**
   * This reply with one more header (such as {@code Location} or {@code Retry-After}); a header of
   * the same name is replaced. {@link GridServer} writes them; a relayed worker answer carries
   * none.
   */
  public Reply withHeader(String name, String value) {
    Map<String, String> more = new LinkedHashMap<>(headers);
    more.put(name, value);
    return new Reply(status, contentType, body, length, writer, Map.copyOf(more));
  }

  public int status() {
    return status;
  }

  public String contentType() {
    return contentType;
  }

  /** The body bytes (shared, not copied); a streamed body is rendered anew on each call. */
  public byte[] body() {
    if (writer == null) {
      return body;
    }
    ByteArrayOutputStream out =
        new ByteArrayOutputStream(length < 0 ? 8192 : Math.toIntExact(length));
    try {
      writer.writeTo(out);
    } catch (IOException unreachable) {
      throw new UncheckedIOException(unreachable);
    }
    return out.toByteArray();
  }

  /** The body's length in bytes; -1 for a stream of no declared length (events). */
  public long length() {
    return length;
  }

  /**
   * Writes the body to {@code out}: a streamed body as it is produced, one in memory in pieces of
   * at most {@code piece} bytes.
   */
  public void writeTo(OutputStream out, int piece) throws IOException {
    if (writer != null) {
      writer.writeTo(out);
      return;
    }
    for (int at = 0; at < body.length; at += piece) {
      out.write(body, at, Math.min(piece, body.length - at));
    }
  }

  /** Extra headers, besides Content-Type, by name. */
  public Map<String, String> headers() {
    return headers;
  }

  /** The body as UTF-8 text, for logs and tests. */
  public String text() {
    return new String(body(), StandardCharsets.UTF_8);
  }
}
