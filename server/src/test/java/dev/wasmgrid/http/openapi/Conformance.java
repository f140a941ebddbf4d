package dev.wasmgrid.http.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Whether a real answer is what a description says its route answers: the status is described (or
 * {@code default} is), so is the media type, and the body fits the schema; an event stream's events
 * each fit the schema the description gives their name under {@code x-events}.
 */
final class Conformance {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final JsonNode document;
  private final SchemaCheck check;

  Conformance(JsonNode document) {
    this.document = document;
    this.check = new SchemaCheck(document);
  }

  /**
   * What is wrong with {@code answer} to {@code method} on the route {@code path}: none when empty.
   */
  List<String> errors(String method, String path, HttpResponse<byte[]> answer) {
    String operation = "/paths/" + escape(path) + "/" + method.toLowerCase(Locale.ROOT);
    if (document.at(operation).isMissingNode()) {
      return List.of(method + " " + path + " is not described");
    }
    String status = Integer.toString(answer.statusCode());
    String response = operation + "/responses/" + status;
    if (document.at(response).isMissingNode()) {
      response = operation + "/responses/default";
      if (document.at(response).isMissingNode()) {
        return List.of(method + " " + path + ": status " + status + " is not described");
      }
    }
    if (document.at(response).has("$ref")) {
      response = document.at(response).path("$ref").asText().substring(1);
    }
    String media = answer.headers().firstValue("Content-Type").orElse("").split(";", -1)[0].trim();
    String content = response + "/content/" + escape(media);
    if (document.at(content).isMissingNode()) {
      if (document.at(response + "/content").isMissingNode() && answer.body().length == 0) {
        return List.of();
      }
      content = response + "/content/*~1*";
      if (document.at(content).isMissingNode()) {
        return List.of(method + " " + path + " " + status + ": " + media + " is not described");
      }
    }
    String body = new String(answer.body(), StandardCharsets.UTF_8);
    try {
      return switch (media) {
        case "application/json" -> check.errors(content + "/schema", JSON.readTree(body));
        case "text/event-stream" -> events(content, body);
        default -> List.of();
      };
    } catch (IOException e) {
      return List.of(method + " " + path + " " + status + ": not JSON: " + body);
    }
  }

  private List<String> events(String content, String body) throws IOException {
    JsonNode schemas = document.at(content + "/x-events");
    List<String> errors = new ArrayList<>();
    String name = "message";
    StringBuilder data = null;
    boolean done = false;
    for (String line : body.split("\n", -1)) {
      if (line.isEmpty()) {
        if (data != null) {
          if (done) {
            errors.add("an event after [DONE]");
          } else if (data.toString().equals("[DONE]")) {
            done = true;
          } else if (!schemas.has(name)) {
            errors.add("event " + name + " is not described");
          } else {
            String ref = schemas.path(name).path("$ref").asText().substring(1);
            for (String error : check.errors(ref, JSON.readTree(data.toString()))) {
              errors.add("event " + name + ": " + error + " in " + data);
            }
          }
        }
        name = "message";
        data = null;
      } else if (line.startsWith("event:")) {
        name = value(line);
      } else if (line.startsWith("data:")) {
        data = data == null ? new StringBuilder() : data.append('\n');
        data.append(value(line));
      }
    }
    return errors;
  }

  /** A field's value: after the colon, less one space (the event-stream format's rule). */
  private static String value(String line) {
    String value = line.substring(line.indexOf(':') + 1);
    return value.startsWith(" ") ? value.substring(1) : value;
  }

  /** A JSON pointer's escaping of one key. */
  static String escape(String key) {
    return key.replace("~", "~0").replace("/", "~1");
  }
}
