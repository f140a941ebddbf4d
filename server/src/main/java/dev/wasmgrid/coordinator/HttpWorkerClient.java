package dev.wasmgrid.coordinator;

import dev.wasmgrid.http.Reply;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/** A worker reached over HTTP at a base URL such as {@code http://127.0.0.1:8081}. */
public final class HttpWorkerClient implements WorkerClient {
  private final URI base;
  private final HttpClient http;
  private final Duration timeout;
  private final Optional<String> token;

  /**
   * A client sharing {@code http}; each call may take at most {@code timeout} and carries {@code
   * token} as a Bearer token when present.
   */
  public HttpWorkerClient(URI base, HttpClient http, Duration timeout, Optional<String> token) {
    String text = base.toString();
    this.base = URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
    this.http = http;
    this.timeout = timeout;
    this.token = token;
  }

  @Override
  public String name() {
    return base.toString();
  }

  @Override
  public Reply call(String path, String contentType, byte[] body) throws IOException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(timeout)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (!contentType.isEmpty()) {
      request.header("Content-Type", contentType);
    }
    token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
    try {
      HttpResponse<byte[]> response =
          http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      return new Reply(
          response.statusCode(),
          response.headers().firstValue("Content-Type").orElse(Reply.JSON),
          response.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for " + base, e);
    }
  }

  @Override
  public boolean ready(Duration timeout) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(base + "/health/ready")).timeout(timeout).GET().build();
    try {
      return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
