package dev.wasmgrid.bench.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

/**
 * The chaos run's client: one HTTP call with a bound on how long it may take, classified the way
 * the run counts it. A call past its bound is {@code HUNG}; a documented error (a status other than
 * 500 and a JSON error with a code) is {@code REFUSED}; anything else that fails is {@code LOST}.
 */
final class ChaosHttp {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final URI base;

  ChaosHttp(URI base) {
    this.base = base;
  }

  /** A call's answer, or the verdict that it has none. */
  static final class Answer {
    private final int status;
    private final byte[] body;
    private final Outcome failure;

    Answer(int status, byte[] body, Outcome failure) {
      this.status = status;
      this.body = body;
      this.failure = failure;
    }

    /** The HTTP status; 0 when no answer came. */
    int status() {
      return status;
    }

    byte[] body() {
      return body;
    }

    /** Why this is not a success; null for one. */
    Outcome failure() {
      return failure;
    }

    boolean ok() {
      return failure == null && status / 100 == 2;
    }

    JsonNode json() throws IOException {
      return JSON.readTree(body);
    }
  }

  /**
   * Sends {@code method path} with {@code body} (none when null), waiting at most {@code bound}.
   */
  Answer send(String method, String path, String contentType, byte[] body, Duration bound)
      throws InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(base.resolve(path))
            .timeout(bound)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    try {
      HttpResponse<byte[]> response =
          http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      int status = response.statusCode();
      if (status / 100 == 2) {
        return new Answer(status, response.body(), null);
      }
      return new Answer(status, response.body(), judgeError(method, path, status, response.body()));
    } catch (HttpTimeoutException e) {
      return new Answer(0, new byte[0], Outcome.of(Verdict.HUNG, method + " " + path + ": " + e));
    } catch (IOException e) {
      return new Answer(0, new byte[0], Outcome.of(Verdict.LOST, method + " " + path + ": " + e));
    }
  }

  /** JSON in, JSON out. */
  Answer json(String method, String path, String body, Duration bound) throws InterruptedException {
    return send(
        method,
        path,
        body == null ? null : "application/json",
        body == null ? null : body.getBytes(java.nio.charset.StandardCharsets.UTF_8),
        bound);
  }

  private static Outcome judgeError(String method, String path, int status, byte[] body) {
    String where = method + " " + path + " -> " + status + " ";
    String text = new String(body, java.nio.charset.StandardCharsets.UTF_8);
    String shown = text.length() > 300 ? text.substring(0, 300) + "..." : text;
    try {
      JsonNode code = JSON.readTree(body).path("error").path("code");
      if (status != 500 && code.isTextual() && !code.asText().isEmpty()) {
        return Outcome.of(Verdict.REFUSED, where + shown);
      }
    } catch (IOException e) {
      // not JSON: an undocumented failure
    }
    return Outcome.of(Verdict.LOST, where + shown);
  }
}
