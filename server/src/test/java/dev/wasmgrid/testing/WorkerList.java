package dev.wasmgrid.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads a coordinator's {@code GET /v1/workers} over HTTP. */
public final class WorkerList {
  private static final ObjectMapper JSON = new ObjectMapper();

  private WorkerList() {}

  /** Every listed worker. */
  public static List<JsonNode> all(Http coordinator) {
    HttpResponse<byte[]> response = coordinator.get("/v1/workers");
    if (response.statusCode() != 200) {
      throw new AssertionError("GET /v1/workers answered " + response.statusCode());
    }
    List<JsonNode> workers = new ArrayList<>();
    try {
      JSON.readTree(response.body()).get("workers").forEach(workers::add);
    } catch (IOException e) {
      throw new AssertionError("GET /v1/workers is not JSON: " + Http.text(response), e);
    }
    return workers;
  }

  /** The worker listed with {@code url}, if any. */
  public static Optional<JsonNode> find(Http coordinator, String url) {
    return all(coordinator).stream().filter(w -> w.get("url").asText().equals(url)).findFirst();
  }

  /** The state ({@code up}, {@code suspect}, {@code down}) of the worker at {@code url}, or "". */
  public static String state(Http coordinator, String url) {
    return find(coordinator, url).map(w -> w.get("state").asText()).orElse("");
  }

  /** Parses a JSON text, for assertions. */
  public static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new AssertionError("not JSON: " + text, e);
    }
  }
}
