package dev.wasmgrid.matmul.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wasmgrid.matmul.wire.MatmulRequest;
import dev.wasmgrid.matmul.wire.MatrixFrames;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.testing.WorkerList;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/** The job routes of one coordinator over real HTTP, with an optional token. */
final class JobClient {
  /** One server-sent event: its name and its data parsed as JSON. */
  record Event(String name, JsonNode data) {}

  private final int port;
  private final Optional<String> token;
  private final Http http;

  JobClient(int port, Optional<String> token) {
    this.port = port;
    this.token = token;
    this.http = new Http(port);
  }

  HttpResponse<byte[]> submit(String query, MatmulRequest request) {
    return submit(query, MatrixFrames.MEDIA_TYPE, MatrixFrames.encode(request.a(), request.b()));
  }

  HttpResponse<byte[]> submit(String query, String contentType, byte[] body) {
    return http.send(
        request("/v1/jobs/matmul" + query)
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
  }

  /** Submits and returns the new job's id, failing unless the answer is 202. */
  String submitted(String query, MatmulRequest request) {
    HttpResponse<byte[]> response = submit(query, request);
    if (response.statusCode() != 202) {
      throw new AssertionError("submit answered " + response.statusCode() + ": " + text(response));
    }
    return json(response).get("id").asText();
  }

  HttpResponse<byte[]> get(String path) {
    return http.send(request(path).GET());
  }

  HttpResponse<byte[]> putJson(String path, String json) {
    return http.send(
        request(path)
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8)));
  }

  HttpResponse<byte[]> delete(String path) {
    return http.send(request(path).DELETE());
  }

  HttpResponse<byte[]> send(String method, String path) {
    return http.send(request(path).method(method, HttpRequest.BodyPublishers.noBody()));
  }

  /** The job's status, failing unless it is a 200. */
  JsonNode status(String id) {
    HttpResponse<byte[]> response = get("/v1/jobs/" + id);
    if (response.statusCode() != 200) {
      throw new AssertionError("status answered " + response.statusCode() + ": " + text(response));
    }
    return json(response);
  }

  String state(String id) {
    return status(id).get("state").asText();
  }

  /** Opens the job's event stream. */
  Events events(String id) {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    try {
      HttpResponse<InputStream> response =
          client.send(
              request("/v1/jobs/" + id + "/events")
                  .header("Accept", "text/event-stream")
                  .timeout(Duration.ofSeconds(30))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofInputStream());
      if (response.statusCode() != 200) {
        throw new AssertionError(
            "events answered "
                + response.statusCode()
                + ": "
                + new String(response.body().readAllBytes(), StandardCharsets.UTF_8));
      }
      if (!response
          .headers()
          .firstValue("Content-Type")
          .orElse("")
          .startsWith("text/event-stream")) {
        throw new AssertionError("events are not text/event-stream: " + response.headers());
      }
      return new Events(
          new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A stream of server-sent events, read one at a time. */
  static final class Events implements AutoCloseable {
    private final BufferedReader lines;

    Events(BufferedReader lines) {
      this.lines = lines;
    }

    /** The next event, or empty when the server closed the stream. Comments are skipped. */
    Optional<Event> next() throws IOException {
      String name = "message";
      StringBuilder data = new StringBuilder();
      boolean any = false;
      String line;
      while ((line = lines.readLine()) != null) {
        if (line.isEmpty()) {
          if (any) {
            return Optional.of(new Event(name, WorkerList.json(data.toString())));
          }
          continue; // the end of a comment-only block
        }
        if (line.startsWith(":")) {
          continue;
        }
        any = true;
        if (line.startsWith("event:")) {
          name = line.substring("event:".length()).strip();
        } else if (line.startsWith("data:")) {
          data.append(line.substring("data:".length()).strip());
        }
      }
      return Optional.empty();
    }

    @Override
    public void close() throws IOException {
      lines.close();
    }
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
    token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
    return request;
  }

  static JsonNode json(HttpResponse<byte[]> response) {
    return WorkerList.json(text(response));
  }

  static String text(HttpResponse<byte[]> response) {
    return Http.text(response);
  }
}
