package dev.wasmgrid.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.wasmgrid.errors.Failure;
import java.io.IOException;
import java.util.regex.Pattern;

/**
 * Parses JSON request bodies into trees, turning syntax errors into 400s that say where. NaN and
 * Infinity literals are accepted by the parser only so that validators can reject them by name.
 */
public final class JsonBodies {
  private static final JsonMapper MAPPER =
      JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

  private static final Pattern SOURCE =
      Pattern.compile("\\[Source: [^\\]]*?; line: (-?\\d+), column: (-?\\d+)\\]");

  private JsonBodies() {}

  /**
   * Parses a body that must be a JSON object.
   *
   * @throws Failure 400 {@code malformed_json} naming the position, or when it is not an object
   */
  public static JsonNode parseObject(byte[] body, String example) {
    JsonNode root = parse(body);
    if (root == null || !root.isObject()) {
      throw Failure.invalid(
          "malformed_json", "", "request body must be a JSON object like " + example);
    }
    return root;
  }

  /**
   * Parses a body holding any JSON value; {@code null} or a missing node for an empty one.
   *
   * @throws Failure 400 {@code malformed_json} saying what is wrong and where, in words a client
   *     can act on (no parser class or configuration names)
   */
  public static JsonNode parse(byte[] body) {
    try {
      return MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      throw Failure.invalid("malformed_json", "", "request body is not valid JSON: " + describe(e));
    } catch (IOException e) {
      // Bytes the parser cannot decode as text at all (say, a broken UTF-32 byte order).
      throw Failure.invalid(
          "malformed_json", "", "request body is not valid JSON: it is not UTF-8 text");
    }
  }

  /**
   * Parses JSON carried inside a string field.
   *
   * @throws Failure 400 with {@code code}, naming {@code field}
   */
  public static JsonNode parseText(String text, String field, String code) {
    try {
      return MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw Failure.invalid(code, field, field + " is a string but not valid JSON: " + describe(e));
    }
  }

  /**
   * What the parser found and where. Its messages name positions the way its own configuration
   * prints them ({@code [Source: REDACTED (`StreamReadFeature...` disabled); line: 1, column: 1]});
   * those become plain line and column.
   */
  private static String describe(JsonProcessingException e) {
    String what = SOURCE.matcher(e.getOriginalMessage()).replaceAll("line $1, column $2");
    return what + at(e);
  }

  private static String at(JsonProcessingException e) {
    return e.getLocation() == null
        ? ""
        : " (line "
            + e.getLocation().getLineNr()
            + ", column "
            + e.getLocation().getColumnNr()
            + ")";
  }
}
