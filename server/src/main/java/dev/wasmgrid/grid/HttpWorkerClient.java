package dev.wasmgrid.grid;

import dev.wasmgrid.http.RelayedHeaders;
import dev.wasmgrid.http.Reply;
import dev.wasmgrid.http.RequestIds;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpMediaType;
import io.helidon.http.Method;
import io.helidon.webclient.api.HttpClientRequest;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.WebClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * A worker reached over HTTP at a base URL such as {@code http://127.0.0.1:8081}. Calls go through
 * Helidon's WebClient, whose pooled HTTP/1.1 connections answer a small call sooner than the JDK's
 * HttpClient on loopback (p50 0.71–0.88 ms against 0.86–1.17 ms), which matters for the extra hop
 * every coordinator request takes. Streamed bodies (a product's tiles) go instead through a {@link
 * BulkExchange} of their own, which moved a 96 MiB upload and 64 MiB answer with about half
 * Helidon's CPU (docs/architecture.md, "Worker calls").
 */
public final class HttpWorkerClient implements WorkerClient {
  private static final HeaderName REQUEST_ID = HeaderNames.create(RequestIds.HEADER);
  private static final List<HeaderName> RELAYED =
      RelayedHeaders.NAMES.stream().map(HeaderNames::create).toList();

  private final URI base;
  private final WebClient http;
  private final Duration timeout;
  private final Optional<String> token;

  /**
   * A client sharing {@code http} (and its connection pool); a call fails when the worker stays
   * silent for {@code timeout}, and carries {@code token} as a Bearer token when present.
   */
  public HttpWorkerClient(URI base, WebClient http, Duration timeout, Optional<String> token) {
    String text = base.toString();
    this.base = URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
    this.http = http;
    this.timeout = timeout;
    this.token = token;
  }

  /** A WebClient for worker calls: keep-alive connections, a bounded connect time. */
  public static WebClient newWebClient(Duration connectTimeout) {
    return WebClient.builder()
        .socketOptions(socket -> socket.connectTimeout(connectTimeout))
        .shareConnectionCache(false)
        .build();
  }

  @Override
  public String name() {
    return base.toString();
  }

  @Override
  public Reply call(String path, String contentType, byte[] body) throws IOException {
    return send(request(path, contentType), request -> request.submit(body));
  }

  @Override
  public Reply call(String path, String contentType, Body body) throws IOException {
    if (base.getScheme().equals("http")) {
      try {
        return BulkExchange.post(base, path, contentType, body, token, timeout, null);
      } catch (IOException e) {
        throw new IOException(base + ": " + e, e);
      }
    }
    // A declared length keeps the body out of chunked encoding.
    HttpClientRequest request =
        request(path, contentType).header(HeaderNames.CONTENT_LENGTH, Long.toString(body.length()));
    return send(request, r -> r.outputStream(out -> write(body, out)));
  }

  @Override
  public Reply call(String path, String contentType, Body body, AnswerReader reader)
      throws IOException {
    if (!base.getScheme().equals("http")) {
      return WorkerClient.super.call(path, contentType, body, reader);
    }
    try {
      return BulkExchange.post(base, path, contentType, body, token, timeout, reader);
    } catch (IOException e) {
      throw new IOException(base + ": " + e, e);
    }
  }

  @Override
  public Reply exchange(String method, String target, String contentType, byte[] body)
      throws IOException {
    return exchange(method, target, contentType, body, timeout);
  }

  @Override
  public Reply exchange(
      String method, String target, String contentType, byte[] body, Duration timeout)
      throws IOException {
    HttpClientRequest request =
        headers(
            http.method(Method.create(method)).uri(URI.create(base + target)).readTimeout(timeout),
            contentType);
    boolean bodiless = body.length == 0 && (method.equals("GET") || method.equals("DELETE"));
    return send(request, r -> bodiless ? r.request() : r.submit(body));
  }

  /**
   * As {@link #call(String, String, byte[])}, with an event stream answer read from the connection
   * as it is written on. Closing the response before its end closes the connection rather than
   * reading the rest, so a worker whose reader left fails its next write.
   */
  @Override
  public Reply stream(String path, String contentType, byte[] body) throws IOException {
    HttpClientResponse response;
    try {
      response = request(path, contentType).submit(body);
    } catch (UncheckedIOException e) {
      throw e.getCause();
    } catch (RuntimeException e) {
      throw failure(e);
    }
    boolean events =
        response.status().code() == 200
            && response
                .headers()
                .contentType()
                .map(t -> t.text().startsWith(Reply.EVENT_STREAM))
                .orElse(false);
    if (!events) {
      try (response) {
        return reply(response);
      } catch (UncheckedIOException e) {
        throw e.getCause();
      } catch (RuntimeException e) {
        throw failure(e);
      }
    }
    return Reply.streamed(Reply.EVENT_STREAM, -1, out -> copy(response, out))
        .withHeader("Cache-Control", "no-cache");
  }

  /** Hands on each piece of a streamed answer as it arrives. */
  private void copy(HttpClientResponse response, OutputStream out) throws IOException {
    try (response) {
      InputStream in = response.inputStream();
      byte[] piece = new byte[8192];
      for (int n = in.read(piece); n >= 0; n = in.read(piece)) {
        out.write(piece, 0, n);
        out.flush();
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    } catch (RuntimeException e) {
      throw failure(e);
    }
  }

  /** Sends a request and reads the whole answer, with Helidon's failures as IOExceptions. */
  private Reply send(
      HttpClientRequest request, Function<HttpClientRequest, HttpClientResponse> sending)
      throws IOException {
    try (HttpClientResponse response = sending.apply(request)) {
      return reply(response);
    } catch (UncheckedIOException e) {
      throw e.getCause();
    } catch (RuntimeException e) {
      throw failure(e);
    }
  }

  private static void write(Body body, OutputStream out) throws IOException {
    try (out) {
      body.writeTo(out);
    }
  }

  private HttpClientRequest request(String path, String contentType) {
    return headers(http.post().uri(URI.create(base + path)).readTimeout(timeout), contentType);
  }

  private HttpClientRequest headers(HttpClientRequest request, String contentType) {
    if (!contentType.isEmpty()) {
      request.header(HeaderNames.CONTENT_TYPE, contentType);
    }
    token.ifPresent(t -> request.header(HeaderNames.AUTHORIZATION, "Bearer " + t));
    RequestIds.current().ifPresent(id -> request.header(REQUEST_ID, id));
    return request;
  }

  private static Reply reply(HttpClientResponse response) {
    // as(byte[]) reads a 32 MB answer in ~0.15 s here; inputStream().readNBytes took 6-9 s.
    byte[] answer = response.entity().hasEntity() ? response.as(byte[].class) : new byte[0];
    Reply reply =
        new Reply(
            response.status().code(),
            response.headers().contentType().map(HttpMediaType::text).orElse(Reply.JSON),
            answer);
    for (HeaderName name : RELAYED) {
      Optional<String> value = response.headers().first(name);
      if (value.isPresent()) {
        reply = reply.withHeader(name.defaultCase(), value.get());
      }
    }
    return reply;
  }

  /** Helidon reports refused connections, resets and read timeouts as unchecked exceptions. */
  private IOException failure(RuntimeException e) {
    return new IOException(base + ": " + e, e);
  }

  /** Asks {@code HEAD /v1/modules}, a cheap route every worker serves behind its token. */
  @Override
  public boolean acceptsToken(Duration timeout) {
    try (HttpClientResponse response =
        headers(http.head().uri(URI.create(base + "/v1/modules")).readTimeout(timeout), "")
            .request()) {
      return response.status().code() != 401;
    } catch (RuntimeException e) {
      return false;
    }
  }

  @Override
  public boolean ready(Duration timeout) {
    try (HttpClientResponse response =
        http.get().uri(URI.create(base + "/health/ready")).readTimeout(timeout).request()) {
      return response.status().code() == 200;
    } catch (RuntimeException e) {
      return false;
    }
  }
}
