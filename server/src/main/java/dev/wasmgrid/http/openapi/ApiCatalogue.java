package dev.wasmgrid.http.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The descriptions of every route any role serves, one fragment per workload under {@code
 * dev/wasmgrid/http/openapi/} on the class path: each fragment holds the OpenAPI path items of its
 * routes, its tags and the JSON Schemas (2020-12) they refer to. {@code document.json} holds what
 * the whole document starts from. A node's document takes from here the routes it serves (see
 * {@link OpenApiDocument}).
 *
 * @param base the document's fixed parts: {@code openapi}, {@code info}, security, components
 * @param paths path items by OpenAPI path ({@code /v1/jobs/{id}})
 */
public record ApiCatalogue(ObjectNode base, ObjectNode paths) {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ROOT = "/dev/wasmgrid/http/openapi/";

  /** The fragments, one per workload. */
  private static final List<String> FRAGMENTS =
      List.of("node", "webapp", "matmul", "jobs", "workers", "modules", "llm", "sim");

  /** The HTTP methods an OpenAPI path item may hold, as its keys spell them. */
  static final List<String> METHODS =
      List.of("get", "put", "post", "delete", "options", "head", "patch", "trace");

  /**
   * The catalogue on the class path.
   *
   * @throws IllegalStateException when a fragment is missing, or two describe the same thing
   */
  public static ApiCatalogue load() {
    ObjectNode base = read("document");
    ObjectNode paths = JSON.createObjectNode();
    ObjectNode components = (ObjectNode) base.get("components");
    for (String name : FRAGMENTS) {
      ObjectNode fragment = read(name);
      merge(paths, (ObjectNode) fragment.path("paths"), name);
      fragment.path("tags").forEach(tag -> base.withArrayProperty("tags").add(tag));
      for (Map.Entry<String, JsonNode> section : fragment.path("components").properties()) {
        merge(
            components.withObjectProperty(section.getKey()), (ObjectNode) section.getValue(), name);
      }
    }
    return new ApiCatalogue(base, paths);
  }

  private static void merge(ObjectNode into, ObjectNode from, String fragment) {
    for (Map.Entry<String, JsonNode> entry : from.properties()) {
      if (into.has(entry.getKey())) {
        throw new IllegalStateException(
            "openapi fragment " + fragment + " describes " + entry.getKey() + " again");
      }
      into.set(entry.getKey(), entry.getValue());
    }
  }

  private static ObjectNode read(String name) {
    String resource = ROOT + name + ".json";
    try (InputStream in = ApiCatalogue.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing class path resource " + resource);
      }
      return (ObjectNode) JSON.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + resource + " failed", e);
    }
  }

  /** The operation described for {@code method} (lower case) on {@code path}, if any. */
  JsonNode operation(String path, String method) {
    return paths.path(path).path(method);
  }

  /** Every operation described, as {@code METHOD /path}, methods upper case. */
  public List<String> operations() {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, JsonNode> path : paths.properties()) {
      for (String method : METHODS) {
        if (path.getValue().has(method)) {
          out.add(method.toUpperCase(Locale.ROOT) + " " + path.getKey());
        }
      }
    }
    return out;
  }
}
