package dev.wasmgrid.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;

/**
 * Parses JSON request bodies into trees, turning syntax errors into 400s that say where. NaN and
 * Infinity literals are accepted by the parser only so that validators can reject them by name.
 */
public final class JsonBodies {
  private static final JsonMapper MAPPER =
      JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

  private JsonBodies() {}

  /**
   * Parses a body that must be a JSON object.
   *
   * @throws ApiError 400 {@code malformed_json} naming the position, or when it is not an object
   */
  public static JsonNode parseObject(byte[] body, String example) {
    JsonNode root;
    try {
      root = MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      throw ApiError.badRequest(
          "malformed_json",
          "",
          "request body is not valid JSON: " + e.getOriginalMessage() + at(e));
    } catch (IOException e) {
      throw ApiError.badRequest("malformed_json", "", "request body could not be read: " + e);
    }
    if (root == null || !root.isObject()) {
      throw ApiError.badRequest(
          "malformed_json", "", "request body must be a JSON object like " + example);
    }
    return root;
  }

  /**
   * Parses JSON carried inside a string field.
   *
   * @throws ApiError 400 with {@code code}, naming {@code field}
   */
  public static JsonNode parseText(String text, String field, String code) {
    try {
      return MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw ApiError.badRequest(
          code,
          field,
          field + " is a string but not valid JSON: " + e.getOriginalMessage() + at(e));
    }
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
