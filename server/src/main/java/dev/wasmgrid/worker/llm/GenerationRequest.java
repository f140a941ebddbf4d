package dev.wasmgrid.worker.llm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wasmgrid.http.ApiError;
import dev.wasmgrid.http.JsonBodies;
import dev.wasmgrid.llm.ChatMessage;
import dev.wasmgrid.llm.GenerationConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * One request of {@code /v1/generate}, {@code /v1/completions} or {@code /v1/chat/completions},
 * validated: every field is checked for its type and range, and a bad one is a 400 naming it.
 *
 * @param model the model's name, or null for the default one
 * @param prompt the prompt, or null for a chat request
 * @param messages the conversation of a chat request, otherwise empty
 * @param stream whether to answer with server-sent events
 */
public record GenerationRequest(
    String model,
    String prompt,
    List<ChatMessage> messages,
    GenerationConfig config,
    boolean stream) {

  /** The most tokens one request may ask for ({@code max_tokens}); the context may end sooner. */
  public static final int MAX_TOKENS_CAP = 4096;

  /** The most stop strings one request may give. */
  public static final int MAX_STOP_STRINGS = 16;

  /** The requests' shapes. */
  public enum Kind {
    /** {@code /v1/generate}: a prompt, streamed unless {@code "stream": false}. */
    GENERATE,
    /** {@code /v1/completions}: a prompt, streamed only with {@code "stream": true}. */
    COMPLETION,
    /** {@code /v1/chat/completions}: messages, streamed only with {@code "stream": true}. */
    CHAT
  }

  public GenerationRequest {
    messages = List.copyOf(messages);
  }

  /**
   * Parses and validates a JSON body.
   *
   * @throws ApiError 400 naming the field at fault
   */
  public static GenerationRequest parse(byte[] body, Kind kind) {
    JsonNode root =
        JsonBodies.parseObject(
            body,
            kind == Kind.CHAT
                ? "{\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}"
                : "{\"prompt\":\"Once upon a time\"}");
    GenerationConfig d = GenerationConfig.defaults();
    String prompt = null;
    List<ChatMessage> messages = List.of();
    if (kind == Kind.CHAT) {
      messages = messages(root.get("messages"));
    } else {
      JsonNode p = root.get("prompt");
      if (p == null || !p.isTextual()) {
        throw bad("prompt", "prompt must be a string, got " + describe(p));
      }
      prompt = p.asText();
    }
    JsonNode modelNode = root.get("model");
    String model = null;
    if (modelNode != null && !modelNode.isNull()) {
      if (!modelNode.isTextual()) {
        throw bad("model", "model must be a string, got " + describe(modelNode));
      }
      model = modelNode.asText();
    }
    int maxTokens = integer(root, "max_tokens", d.maxTokens(), 1, MAX_TOKENS_CAP);
    float temperature = number(root, "temperature", d.temperature(), 0, 100);
    int topK = integer(root, "top_k", d.topK(), 0, Integer.MAX_VALUE);
    float topP = number(root, "top_p", d.topP(), 0, 1);
    long seed = seed(root.get("seed"), d.seed());
    List<String> stop = stop(root.get("stop"));
    boolean ignoreEos = bool(root, "ignore_eos", false);
    boolean stream = bool(root, "stream", kind == Kind.GENERATE);
    return new GenerationRequest(
        model,
        prompt,
        messages,
        new GenerationConfig(maxTokens, temperature, topK, topP, seed, stop, ignoreEos),
        stream);
  }

  private static List<ChatMessage> messages(JsonNode node) {
    if (node == null || !node.isArray() || node.isEmpty()) {
      throw bad(
          "messages",
          "messages must be a non-empty array of {\"role\",\"content\"}, got " + describe(node));
    }
    List<ChatMessage> out = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      JsonNode m = node.get(i);
      String at = "messages[" + i + "]";
      if (!m.isObject()) {
        throw bad(at, at + " must be an object, got " + describe(m));
      }
      JsonNode role = m.get("role");
      JsonNode content = m.get("content");
      if (role == null || !role.isTextual()) {
        throw bad(at + ".role", at + ".role must be a string, got " + describe(role));
      }
      if (content == null || !content.isTextual()) {
        throw bad(at + ".content", at + ".content must be a string, got " + describe(content));
      }
      try {
        out.add(new ChatMessage(role.asText(), content.asText()));
      } catch (IllegalArgumentException e) {
        throw bad(at + ".role", at + ".role: " + e.getMessage());
      }
    }
    return out;
  }

  private static int integer(JsonNode root, String field, int fallback, int min, int max) {
    JsonNode n = root.get(field);
    if (n == null || n.isNull()) {
      return fallback;
    }
    if (!n.isIntegralNumber() || !n.canConvertToLong()) {
      throw bad(field, field + " must be an integer, got " + describe(n));
    }
    long v = n.asLong();
    if (v < min || v > max) {
      throw bad(field, field + " must be in [" + min + ", " + max + "], got " + v);
    }
    return (int) v;
  }

  private static float number(JsonNode root, String field, float fallback, float min, float max) {
    JsonNode n = root.get(field);
    if (n == null || n.isNull()) {
      return fallback;
    }
    if (!n.isNumber()) {
      throw bad(field, field + " must be a number, got " + describe(n));
    }
    double v = n.asDouble();
    if (!(v >= min && v <= max)) {
      throw bad(field, field + " must be a number in [" + min + ", " + max + "], got " + n);
    }
    return (float) v;
  }

  private static long seed(JsonNode n, long fallback) {
    if (n == null || n.isNull()) {
      return fallback;
    }
    if (!n.isIntegralNumber() || !n.canConvertToLong()) {
      throw bad("seed", "seed must be a 64-bit integer, got " + describe(n));
    }
    return n.asLong();
  }

  private static boolean bool(JsonNode root, String field, boolean fallback) {
    JsonNode n = root.get(field);
    if (n == null || n.isNull()) {
      return fallback;
    }
    if (!n.isBoolean()) {
      throw bad(field, field + " must be true or false, got " + describe(n));
    }
    return n.asBoolean();
  }

  private static List<String> stop(JsonNode n) {
    if (n == null || n.isNull()) {
      return List.of();
    }
    List<JsonNode> items = new ArrayList<>();
    if (n.isArray()) {
      n.forEach(items::add);
    } else {
      items.add(n);
    }
    if (items.size() > MAX_STOP_STRINGS) {
      throw bad("stop", "stop takes at most " + MAX_STOP_STRINGS + " strings, got " + items.size());
    }
    List<String> out = new ArrayList<>();
    for (JsonNode item : items) {
      if (!item.isTextual() || item.asText().isEmpty()) {
        throw bad(
            "stop", "stop must be a non-empty string or an array of them, got " + describe(item));
      }
      out.add(item.asText());
    }
    return out;
  }

  private static String describe(JsonNode n) {
    if (n == null) {
      return "nothing";
    }
    String text = n.toString();
    return n.getNodeType().name().toLowerCase(java.util.Locale.ROOT)
        + " "
        + (text.length() > 40 ? text.substring(0, 40) + "..." : text);
  }

  private static ApiError bad(String field, String message) {
    return ApiError.badRequest("invalid_field", field, message);
  }
}
