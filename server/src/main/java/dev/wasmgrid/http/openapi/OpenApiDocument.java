package dev.wasmgrid.http.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wasmgrid.http.DeclaredRoute;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The OpenAPI 3.1 description of one server, served at {@link #PATH}: a path and operation for each
 * route the server declares, in the words of the {@link ApiCatalogue}. It is built from the routes
 * themselves, so it lists what this node serves (a worker's routes, or a coordinator's) and nothing
 * else. A route the catalogue does not describe is still listed, marked {@code x-undocumented}, and
 * named by {@link #undocumented()}; a test keeps that list empty. Every {@code GET} gets its {@code
 * HEAD}, which the server answers with the same status and headers.
 */
public final class OpenApiDocument {
  /** Where every server serves its description. */
  public static final String PATH = "/openapi.json";

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final ObjectNode document;
  private final List<DeclaredRoute> undocumented;

  private OpenApiDocument(ObjectNode document, List<DeclaredRoute> undocumented) {
    this.document = document;
    this.undocumented = List.copyOf(undocumented);
  }

  /** The description of a server answering {@code routes}, from the catalogue on the class path. */
  public static OpenApiDocument describe(List<DeclaredRoute> routes) {
    return describe(routes, ApiCatalogue.load());
  }

  /** The description of a server answering {@code routes}, in the words of {@code catalogue}. */
  public static OpenApiDocument describe(List<DeclaredRoute> routes, ApiCatalogue catalogue) {
    ObjectNode document = catalogue.base().deepCopy();
    ObjectNode paths = NODES.objectNode();
    List<DeclaredRoute> undocumented = new ArrayList<>();
    for (DeclaredRoute route : routes) {
      String path = path(route.pattern());
      String method = route.method().equals("WS") ? "get" : route.method().toLowerCase(Locale.ROOT);
      JsonNode described = catalogue.operation(path, method);
      ObjectNode operation;
      if (described.isObject()) {
        operation = (ObjectNode) described.deepCopy();
      } else {
        undocumented.add(route);
        operation = placeholder(route);
      }
      if (route.open()) {
        operation.set("security", NODES.arrayNode());
      }
      ObjectNode item = paths.withObjectProperty(path);
      JsonNode parameters = catalogue.paths().path(path).path("parameters");
      if (parameters.isArray() && !item.has("parameters")) {
        item.set("parameters", parameters.deepCopy());
      } else if (!parameters.isArray() && path.contains("{") && !item.has("parameters")) {
        item.set("parameters", pathParameters(path));
      }
      item.set(method, operation);
      if (method.equals("get") && !route.method().equals("WS")) {
        item.set("head", head(operation));
      }
    }
    document.set("paths", paths);
    return new OpenApiDocument(document, undocumented);
  }

  /**
   * The OpenAPI path of a route pattern: the same, but a prefix route ({@code /app/*}) becomes one
   * parameter, {@code path}, that may hold slashes.
   */
  static String path(String pattern) {
    return pattern.endsWith("/*") ? pattern.substring(0, pattern.length() - 1) + "{path}" : pattern;
  }

  /** The {@code HEAD} twin of a {@code GET}: its responses' status and headers, no content. */
  private static ObjectNode head(ObjectNode get) {
    ObjectNode head = get.deepCopy();
    head.put("operationId", get.path("operationId").asText("get") + "Head");
    head.put("summary", "Headers of: " + get.path("summary").asText());
    head.remove("description");
    for (Map.Entry<String, JsonNode> response : head.withObjectProperty("responses").properties()) {
      if (response.getValue() instanceof ObjectNode answer) {
        answer.remove("content");
      }
    }
    return head;
  }

  private static ObjectNode placeholder(DeclaredRoute route) {
    ObjectNode operation = NODES.objectNode();
    operation.put("summary", "Not described yet");
    operation.put(
        "description", route.method() + " " + route.pattern() + " has no entry in the catalogue");
    operation.put("x-undocumented", true);
    operation.putObject("responses").putObject("default").put("description", "any answer");
    return operation;
  }

  /** Plain string parameters for the {@code {name}} segments of {@code path}. */
  private static ArrayNode pathParameters(String path) {
    ArrayNode parameters = NODES.arrayNode();
    for (String segment : path.split("/", -1)) {
      if (segment.startsWith("{") && segment.endsWith("}")) {
        ObjectNode parameter = parameters.addObject();
        parameter.put("name", segment.substring(1, segment.length() - 1));
        parameter.put("in", "path");
        parameter.put("required", true);
        parameter.putObject("schema").put("type", "string");
      }
    }
    return parameters;
  }

  /** The routes served that the catalogue does not describe. */
  public List<DeclaredRoute> undocumented() {
    return undocumented;
  }

  /** The document, as JSON. */
  public String json() {
    return document.toString();
  }
}
