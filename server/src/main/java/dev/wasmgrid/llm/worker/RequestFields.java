package dev.wasmgrid.llm.worker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wasmgrid.errors.Failure;
import java.util.Locale;

/**
 * Typed reads of a generation request's JSON fields: a field that is absent or {@code null} takes
 * its default (as OpenAI treats {@code null}), and one of the wrong type or out of range is a 400
 * {@code invalid_field} naming it.
 */
final class RequestFields {
  private final JsonNode root;

  RequestFields(JsonNode root) {
    this.root = root;
  }

  /** The field, or null when absent or {@code null}. */
  JsonNode get(String field) {
    JsonNode n = root.get(field);
    return n == null || n.isNull() ? null : n;
  }

  boolean has(String field) {
    return get(field) != null;
  }

  int integer(String field, int fallback, int min, int max) {
    JsonNode n = get(field);
    if (n == null) {
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

  float number(String field, float fallback, float min, float max) {
    JsonNode n = get(field);
    if (n == null) {
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

  long int64(String field, long fallback) {
    JsonNode n = get(field);
    if (n == null) {
      return fallback;
    }
    if (!n.isIntegralNumber() || !n.canConvertToLong()) {
      throw bad(field, field + " must be a 64-bit integer, got " + describe(n));
    }
    return n.asLong();
  }

  boolean bool(String field, boolean fallback) {
    JsonNode n = get(field);
    if (n == null) {
      return fallback;
    }
    if (!n.isBoolean()) {
      throw bad(field, field + " must be true or false, got " + describe(n));
    }
    return n.asBoolean();
  }

  String text(String field) {
    JsonNode n = get(field);
    if (n == null) {
      return null;
    }
    if (!n.isTextual()) {
      throw bad(field, field + " must be a string, got " + describe(n));
    }
    return n.asText();
  }

  /** The node's JSON type and (shortened) text, for messages. */
  static String describe(JsonNode n) {
    if (n == null) {
      return "nothing";
    }
    String text = n.toString();
    return n.getNodeType().name().toLowerCase(Locale.ROOT)
        + " "
        + (text.length() > 40 ? text.substring(0, 40) + "..." : text);
  }

  static Failure bad(String field, String message) {
    return Failure.invalid("invalid_field", field, message);
  }
}
