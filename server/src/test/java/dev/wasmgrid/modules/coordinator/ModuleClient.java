package dev.wasmgrid.modules.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wasmgrid.testing.Http;
import dev.wasmgrid.testing.WorkerList;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The module routes of one node (worker or coordinator) over real HTTP, for tests. */
final class ModuleClient {
  private static final Pattern NUMBER = Pattern.compile(" ([0-9.eE+-]+)$", Pattern.MULTILINE);

  private final Http http = new Http(0);
  private final String base;
  private final Optional<String> token;

  ModuleClient(int port) {
    this(port, Optional.empty());
  }

  ModuleClient(int port, Optional<String> token) {
    this.base = "http://127.0.0.1:" + port;
    this.token = token;
  }

  HttpResponse<byte[]> deploy(String name, byte[] wasm) {
    return deploy(name, "", wasm);
  }

  /** {@code PUT /v1/modules/{name}{query}} with the bytes as application/wasm. */
  HttpResponse<byte[]> deploy(String name, String query, byte[] wasm) {
    return send(
        request("/v1/modules/" + name + query)
            .header("Content-Type", "application/wasm")
            .PUT(HttpRequest.BodyPublishers.ofByteArray(wasm)));
  }

  HttpResponse<byte[]> put(String path, String json) {
    return send(
        request(path)
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(json)));
  }

  HttpResponse<byte[]> get(String path) {
    return send(request(path).GET());
  }

  HttpResponse<byte[]> delete(String path) {
    return send(request(path).DELETE());
  }

  /** {@code POST /v1/modules/{name}/call/{export}} with {@code {"args":[...]}}. */
  HttpResponse<byte[]> call(String name, String export, String args) {
    return send(
        request("/v1/modules/" + name + "/call/" + export)
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"args\":" + args + "}", StandardCharsets.UTF_8)));
  }

  /** The value of one Prometheus series on this node's {@code /metrics}, or 0 when absent. */
  double metric(String series) {
    String text = Http.text(get("/metrics"));
    for (String line : text.split("\n", -1)) {
      if (line.startsWith(series + " ")) {
        Matcher m = NUMBER.matcher(line);
        if (m.find()) {
          return Double.parseDouble(m.group(1));
        }
      }
    }
    return 0;
  }

  /** Module calls this worker answered with {@code status}, by its own request metrics. */
  long callsAnswered(int status) {
    return (long)
        metric(
            "wasmgrid_http_requests_seconds_count{method=\"POST\","
                + "route=\"/v1/modules/{name}/call/{export}\",status=\""
                + status
                + "\"}");
  }

  static JsonNode json(HttpResponse<byte[]> response) {
    return WorkerList.json(Http.text(response));
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base + path));
    token.ifPresent(t -> builder.header("Authorization", "Bearer " + t));
    return builder;
  }

  private HttpResponse<byte[]> send(HttpRequest.Builder request) {
    return http.send(request);
  }
}
