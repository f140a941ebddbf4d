package dev.wasmgrid.grid;

import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.http.Endpoint;
import dev.wasmgrid.http.Reply;
import dev.wasmgrid.http.Routes;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * A worker running inside the coordinator's process: its endpoints are called directly, with the
 * query of a path such as {@code /v1/matmul?engine=wasm} handed over as parameters.
 */
public final class LocalWorkerClient implements WorkerClient {
  private final Map<String, Endpoint> routes;

  /** A worker answering through {@code table}, the route table a remote worker serves too. */
  public LocalWorkerClient(Routes table) {
    this.routes = table.posts();
  }

  @Override
  public String name() {
    return "in-process";
  }

  @Override
  public Reply call(String path, String contentType, byte[] body) {
    int q = path.indexOf('?');
    String route = q < 0 ? path : path.substring(0, q);
    Endpoint endpoint = routes.get(route);
    if (endpoint == null) {
      throw new Failure(
          Failure.Kind.NOT_FOUND, "not_found", "", "the in-process worker has no route " + route);
    }
    // A streamed answer (a product's C) stays streamed: whoever sends it on writes it once.
    return endpoint.serve(contentType, body, q < 0 ? Map.of() : query(path.substring(q + 1)));
  }

  /** The first value of each parameter, as a server reads it. */
  private static Map<String, String> query(String text) {
    Map<String, String> query = new HashMap<>();
    for (String pair : text.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      query.putIfAbsent(
          URLDecoder.decode(name, StandardCharsets.UTF_8),
          URLDecoder.decode(value, StandardCharsets.UTF_8));
    }
    return query;
  }
}
