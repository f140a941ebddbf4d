package dev.wasmgrid.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wasmgrid.cli.progress.ProgressBar;
import dev.wasmgrid.cli.progress.ProgressMode;
import dev.wasmgrid.matmul.Matrix;
import dev.wasmgrid.matmul.wire.MatrixFrames;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * {@code wasmgrid matmul --job}: runs one product as a long job on a coordinator ({@code POST
 * /v1/jobs/matmul}), shows its server-sent progress events (a line each, or a bar), then fetches C.
 */
final class JobFollower {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http;
  private final URI server;
  private final String token;
  private final PrintStream out;
  private final ProgressMode progress;
  private ProgressBar bar;

  /**
   * @param token Bearer token for the server; null or blank for none
   * @param progress {@link ProgressMode#PLAIN} for a line per event, BAR for a bar, NONE for
   *     nothing (AUTO is resolved here)
   */
  JobFollower(HttpClient http, URI server, String token, PrintStream out, ProgressMode progress) {
    this.http = http;
    this.server = server;
    this.token = token;
    this.out = out;
    this.progress = progress.resolve();
  }

  /** Submits A·B, follows the job to its end and returns C. */
  Matrix run(Matrix a, Matrix b, String mode) throws IOException, InterruptedException {
    HttpResponse<byte[]> submitted =
        http.send(
            request("/v1/jobs/matmul?mode=" + mode)
                .header("Content-Type", MatrixFrames.MEDIA_TYPE)
                .POST(HttpRequest.BodyPublishers.ofByteArray(MatrixFrames.encode(a, b)))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    String job = expect(submitted, 202).get("id").asText();
    String path = "/v1/jobs/" + job;
    String end = follow(path);
    if (!end.equals("done")) {
      throw new IOException("job " + job + " " + end + ": " + text(http(path).body()));
    }
    HttpResponse<byte[]> result = http(path + "/result");
    if (result.statusCode() != 200) {
      throw new IOException(
          server + " answered " + result.statusCode() + ": " + text(result.body()));
    }
    return MatrixFrames.decode(result.body(), Integer.MAX_VALUE, "C").getFirst();
  }

  /** Prints each event of the job's stream; returns the name of the last one. */
  private String follow(String path) throws IOException, InterruptedException {
    HttpResponse<Stream<String>> events =
        http.send(
            request(path + "/events").header("Accept", "text/event-stream").GET().build(),
            HttpResponse.BodyHandlers.ofLines());
    if (events.statusCode() != 200) {
      throw new IOException(server + " answered " + events.statusCode() + " for " + path);
    }
    String name = "message";
    try (Stream<String> lines = events.body()) {
      for (Iterator<String> it = lines.iterator(); it.hasNext(); ) {
        String line = it.next();
        if (line.startsWith("event:")) {
          name = line.substring("event:".length()).strip();
        } else if (line.startsWith("data:")) {
          boolean last = !name.equals("progress");
          show(JSON.readTree(line.substring("data:".length()).strip()), last);
          if (last) {
            return name;
          }
        }
      }
    }
    throw new IOException("the event stream of " + path + " ended before the job did");
  }

  private void show(JsonNode status, boolean last) {
    switch (progress) {
      case PLAIN ->
          out.printf(
              Locale.ROOT,
              "job %s: %s (%s), %d/%d tiles, %.1f MB sent, %.1f MB received, %d ms%n",
              status.get("id").asText(),
              status.get("state").asText(),
              status.get("mode").asText(),
              status.get("blocks_done").asInt(),
              status.get("blocks_total").asInt(),
              status.get("bytes_sent").asLong() / 1e6,
              status.get("bytes_received").asLong() / 1e6,
              status.get("elapsed_ms").asLong());
      case BAR -> {
        String id = status.get("id").asText();
        if (bar == null) {
          // The job's ref, as the coordinator's log names it: the full id is 32 hex digits.
          String ref = id.substring(0, Math.min(8, id.length()));
          bar = new ProgressBar(new PrintWriter(out, true, out.charset()), "job " + ref);
        }
        String detail =
            String.format(
                Locale.ROOT,
                "tiles, %s (%s), %.1f MB moved, %.1f s",
                status.get("state").asText(),
                status.get("mode").asText(),
                (status.get("bytes_sent").asLong() + status.get("bytes_received").asLong()) / 1e6,
                status.get("elapsed_ms").asLong() / 1e3);
        bar.update(status.get("blocks_done").asLong(), status.get("blocks_total").asLong(), detail);
        if (last) {
          bar.finish(detail);
        }
      }
      case NONE, AUTO -> {
        // Nothing shown (AUTO was resolved in the constructor).
      }
    }
  }

  private HttpResponse<byte[]> http(String path) throws IOException, InterruptedException {
    return http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private JsonNode expect(HttpResponse<byte[]> response, int status) throws IOException {
    if (response.statusCode() != status) {
      throw new IOException(
          server + " answered " + response.statusCode() + ": " + text(response.body()));
    }
    return JSON.readTree(response.body());
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder request = HttpRequest.newBuilder(server.resolve(path));
    if (token != null && !token.isBlank()) {
      request.header("Authorization", "Bearer " + token);
    }
    return request;
  }

  private static String text(byte[] body) {
    return new String(body, StandardCharsets.UTF_8);
  }
}
