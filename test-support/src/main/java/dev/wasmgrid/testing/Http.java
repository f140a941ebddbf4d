package dev.wasmgrid.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A small real HTTP client for tests. */
public final class Http {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final String base;

  public Http(int port) {
    this.base = "http://127.0.0.1:" + port;
  }

  public HttpResponse<byte[]> post(String path, String contentType, byte[] body) {
    return post(path, contentType, body, TIMEOUT);
  }

  /** A POST that may take up to {@code timeout} to be answered. */
  public HttpResponse<byte[]> post(String path, String contentType, byte[] body, Duration timeout) {
    return send(
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body)),
        timeout);
  }

  public HttpResponse<byte[]> postJson(String path, String json) {
    return post(path, "application/json", json.getBytes(StandardCharsets.UTF_8));
  }

  public HttpResponse<byte[]> get(String path) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
  }

  public HttpResponse<byte[]> send(HttpRequest.Builder request) {
    return send(request, TIMEOUT);
  }

  private HttpResponse<byte[]> send(HttpRequest.Builder request, Duration timeout) {
    try {
      return client.send(request.timeout(timeout).build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public static String text(HttpResponse<byte[]> response) {
    return new String(response.body(), StandardCharsets.UTF_8);
  }
}
