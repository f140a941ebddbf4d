package dev.wasmgrid.grid;

import dev.wasmgrid.http.RelayedHeaders;
import dev.wasmgrid.http.Reply;
import dev.wasmgrid.http.RequestIds;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * One HTTP/1.1 POST on a connection of its own, for bodies of many megabytes (matrix tiles).
 *
 * <p>Why not Helidon's client, which the coordinator uses for everything else: it reads a large
 * answer through many small reads, each asking its buffer chain how much is available, and copies
 * it several times (profiled: the coordinator spent more CPU moving tiles than a worker spent
 * receiving them); and a pooled connection is watched by a virtual thread that the next request
 * must wait for. Here the body is written through one 1 MiB buffer and the answer, whose length is
 * declared, is read straight into one exact array. A fresh connection costs well under a
 * millisecond on a LAN, nothing next to moving the body.
 */
final class BulkExchange {
  private static final int BUFFER_BYTES = 1 << 20;
  private static final int MAX_HEADER_BYTES = 64 << 10;
  private static final int MAX_ANSWER_BYTES = Integer.MAX_VALUE - 8;

  /** Answer headers a caller may use: lower case as read, then as {@link Reply} carries them. */
  private static final Map<String, String> KEPT_HEADERS =
      RelayedHeaders.NAMES.stream()
          .collect(Collectors.toUnmodifiableMap(n -> n.toLowerCase(Locale.ROOT), n -> n));

  private BulkExchange() {}

  /**
   * POSTs {@code body} to {@code base + path} and reads the whole answer.
   *
   * @param base an {@code http} URL with host and port, and no trailing slash
   * @param timeout how long the peer may stay silent or stop reading the body, connecting included
   * @param reader when not null, takes a 200 answer's body as it arrives (the returned reply's body
   *     is then empty); what it throws is thrown from here
   * @throws IOException when the peer cannot be reached, stays silent, or answers malformed HTTP
   */
  static Reply post(
      URI base,
      String path,
      String contentType,
      WorkerClient.Body body,
      Optional<String> token,
      Duration timeout,
      WorkerClient.AnswerReader reader)
      throws IOException {
    int millis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
    try (Socket socket = new Socket()) {
      socket.setTcpNoDelay(true);
      socket.connect(new InetSocketAddress(base.getHost(), port(base)), millis);
      socket.setSoTimeout(millis);
      InputStream in = new BufferedInputStream(socket.getInputStream(), 64 << 10);
      try (UploadGuard guard = new UploadGuard(socket, timeout)) {
        OutputStream out =
            new BufferedOutputStream(guard.wrap(socket.getOutputStream()), BUFFER_BYTES);
        out.write(head(base, path, contentType, body.length(), token));
        body.writeTo(out);
        out.flush();
      } catch (IOException e) {
        return earlyAnswer(in, e);
      }
      return answer(in, reader);
    }
  }

  /**
   * A worker may answer before it has read the body (401 for a token it refuses, 413, 503 while it
   * stops) and close the connection, which fails the upload; the answer, when one came whole, is
   * what the call came to. A stalled upload has none.
   */
  private static Reply earlyAnswer(InputStream in, IOException writeFailure) throws IOException {
    try {
      Reply early = answer(in, null);
      if (early.status() / 100 != 2) {
        return early;
      }
    } catch (IOException | RuntimeException e) {
      writeFailure.addSuppressed(e);
    }
    throw writeFailure;
  }

  private static int port(URI base) {
    return base.getPort() >= 0 ? base.getPort() : 80;
  }

  private static byte[] head(
      URI base, String path, String contentType, long length, Optional<String> token) {
    StringBuilder head =
        new StringBuilder("POST ")
            .append(base.getRawPath() == null ? "" : base.getRawPath())
            .append(path)
            .append(" HTTP/1.1\r\nHost: ")
            .append(base.getHost())
            .append(':')
            .append(port(base))
            .append("\r\nContent-Length: ")
            .append(length)
            .append("\r\nConnection: close\r\n");
    if (!contentType.isEmpty()) {
      head.append("Content-Type: ").append(contentType).append("\r\n");
    }
    token.ifPresent(t -> head.append("Authorization: Bearer ").append(t).append("\r\n"));
    RequestIds.current()
        .ifPresent(id -> head.append(RequestIds.HEADER).append(": ").append(id).append("\r\n"));
    return head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  private static Reply answer(InputStream in, WorkerClient.AnswerReader reader) throws IOException {
    int[] budget = {MAX_HEADER_BYTES};
    String status = line(in, budget);
    String[] parts = status.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      throw new IOException("not an HTTP/1.x answer: " + abbreviate(status));
    }
    int code;
    try {
      code = Integer.parseInt(parts[1]);
    } catch (NumberFormatException e) {
      throw new IOException("malformed status line: " + abbreviate(status), e);
    }
    long length = -1;
    boolean chunked = false;
    String contentType = Reply.JSON;
    Map<String, String> kept = new LinkedHashMap<>();
    for (String line = line(in, budget); !line.isEmpty(); line = line(in, budget)) {
      int colon = line.indexOf(':');
      if (colon <= 0) {
        throw new IOException("malformed header line: " + abbreviate(line));
      }
      String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = line.substring(colon + 1).trim();
      switch (name) {
        case "content-length" -> length = contentLength(value);
        case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
        case "content-type" -> contentType = value;
        default -> {
          if (KEPT_HEADERS.containsKey(name)) {
            kept.put(KEPT_HEADERS.get(name), value);
          }
        }
      }
    }
    byte[] entity;
    if (reader != null && code == 200 && length >= 0 && !chunked) {
      reader.read(contentType, in, length);
      entity = new byte[0];
    } else {
      entity = chunked ? chunked(in) : length >= 0 ? exactly(in, length) : untilEnd(in);
      if (reader != null && code == 200) {
        reader.read(contentType, new ByteArrayInputStream(entity), entity.length);
      }
    }
    Reply reply = new Reply(code, contentType, entity);
    for (Map.Entry<String, String> header : kept.entrySet()) {
      reply = reply.withHeader(header.getKey(), header.getValue());
    }
    return reply;
  }

  private static long contentLength(String value) throws IOException {
    try {
      long length = Long.parseLong(value);
      if (length < 0 || length > MAX_ANSWER_BYTES) {
        throw new IOException("answer of " + value + " bytes is beyond what one array holds");
      }
      return length;
    } catch (NumberFormatException e) {
      throw new IOException("malformed Content-Length: " + abbreviate(value), e);
    }
  }

  private static byte[] exactly(InputStream in, long length) throws IOException {
    byte[] entity = new byte[(int) length];
    int read = in.readNBytes(entity, 0, entity.length);
    if (read < entity.length) {
      throw new EOFException("the answer ended after " + read + " of " + length + " bytes");
    }
    return entity;
  }

  private static byte[] chunked(InputStream in) throws IOException {
    ByteArrayOutputStream entity = new ByteArrayOutputStream();
    int[] budget = {MAX_HEADER_BYTES};
    while (true) {
      String size = line(in, budget);
      int extension = size.indexOf(';');
      long chunk;
      try {
        chunk = Long.parseLong((extension < 0 ? size : size.substring(0, extension)).trim(), 16);
      } catch (NumberFormatException e) {
        throw new IOException("malformed chunk size: " + abbreviate(size), e);
      }
      if (chunk == 0) {
        String trailer; // trailers carry nothing this client uses
        do {
          trailer = line(in, budget);
        } while (!trailer.isEmpty());
        return entity.toByteArray();
      }
      if (chunk > MAX_ANSWER_BYTES - entity.size()) {
        throw new IOException("chunked answer beyond what one array holds");
      }
      entity.write(exactly(in, chunk));
      if (!line(in, budget).isEmpty()) {
        throw new IOException("chunk not followed by CRLF");
      }
    }
  }

  private static byte[] untilEnd(InputStream in) throws IOException {
    return in.readNBytes(MAX_ANSWER_BYTES);
  }

  /** One CRLF-terminated line, counted against the header budget. */
  private static String line(InputStream in, int[] budget) throws IOException {
    StringBuilder line = new StringBuilder();
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("the connection closed in the middle of the answer's head");
      }
      if (--budget[0] < 0) {
        throw new IOException("answer head over " + MAX_HEADER_BYTES + " bytes");
      }
      if (b == '\n') {
        int end = line.length();
        return line.substring(0, end > 0 && line.charAt(end - 1) == '\r' ? end - 1 : end);
      }
      line.append((char) b);
    }
  }

  private static String abbreviate(String text) {
    return text.length() <= 120 ? text : text.substring(0, 120) + "...";
  }
}
