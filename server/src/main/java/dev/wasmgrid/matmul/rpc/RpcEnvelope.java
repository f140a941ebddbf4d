package dev.wasmgrid.matmul.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.http.ErrorBodies;
import dev.wasmgrid.http.HttpStatuses;
import dev.wasmgrid.http.JsonBodies;
import dev.wasmgrid.http.Reply;

/**
 * The seed's JSON-RPC envelope: {@code {"meta":[{"name":"method","value":"multiply"}],
 * "content":"{...}"}}. {@code content} is either a JSON string holding an object whose fields may
 * themselves be JSON strings (the seed's form), or a plain object. Answers mirror the request: a
 * string-form request gets a string-form answer whose array fields are JSON strings too.
 */
public final class RpcEnvelope {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private RpcEnvelope() {}

  /**
   * Decodes a request body.
   *
   * @throws Failure naming the field for malformed JSON, a missing method or missing/invalid
   *     content
   */
  public static RpcCall parse(byte[] body) {
    JsonNode root =
        JsonBodies.parseObject(
            body,
            "{\"meta\":[{\"name\":\"method\",\"value\":\"multiply\"}],\"content\":\"{...}\"}");
    String method = method(root.get("meta"));
    JsonNode content = root.get("content");
    if (content == null || content.isNull()) {
      throw Failure.invalid("missing_field", "content", "content is missing");
    }
    boolean stringContent = content.isTextual();
    if (stringContent) {
      content = JsonBodies.parseText(content.textValue(), "content", "content_not_json");
    }
    if (content == null || !content.isObject()) {
      throw Failure.invalid(
          "content_not_object",
          "content",
          "content must be a JSON object (or a string holding one)");
    }
    return new RpcCall(method, stringContent, content);
  }

  private static String method(JsonNode meta) {
    if (meta == null || !meta.isArray()) {
      throw Failure.invalid(
          "missing_method",
          "meta",
          "meta must be an array of {\"name\",\"value\"} entries including name \"method\"");
    }
    for (JsonNode entry : meta) {
      if ("method".equals(entry.path("name").asText(null)) && entry.path("value").isTextual()) {
        return entry.get("value").textValue();
      }
    }
    throw Failure.invalid(
        "missing_method", "meta", "meta has no entry {\"name\":\"method\",\"value\":\"...\"}");
  }

  /**
   * A 200 answer carrying {@code result} in the form the request used; in the string form, the
   * result's array and object fields become JSON strings, as the seed's operands were.
   */
  public static Reply success(boolean stringContent, ObjectNode result) {
    ObjectNode content = result;
    if (stringContent) {
      content = NODES.objectNode();
      for (var field : result.properties()) {
        JsonNode value = field.getValue();
        content.set(
            field.getKey(), value.isContainerNode() ? NODES.textNode(value.toString()) : value);
      }
    }
    return reply(200, meta("ok", null), stringContent, content);
  }

  /**
   * An error answer: status, code and message in meta, and {@code {"error":{...}}} as content (a
   * JSON string holding it in the string form).
   */
  public static Reply error(boolean stringContent, Failure error) {
    return reply(
        HttpStatuses.of(error),
        meta("error", error),
        stringContent,
        ErrorBodies.errorObject(error));
  }

  private static ArrayNode meta(String status, Failure error) {
    ArrayNode meta = NODES.arrayNode();
    entry(meta, "status", status);
    if (error != null) {
      entry(meta, "code", error.code());
      entry(meta, "message", error.getMessage());
    }
    return meta;
  }

  private static void entry(ArrayNode meta, String name, String value) {
    meta.addObject().put("name", name).put("value", value);
  }

  private static Reply reply(
      int status, ArrayNode meta, boolean stringContent, ObjectNode content) {
    ObjectNode envelope = NODES.objectNode();
    envelope.set("meta", meta);
    if (stringContent) {
      envelope.put("content", content.toString());
    } else {
      envelope.set("content", content);
    }
    return Reply.json(status, envelope.toString());
  }
}
